//! The few functions of PocketSphinx 5prealpha (and SphinxBase) the spotter
//! calls: a decoder from arguments, its keyword search, raw audio in,
//! segments out.

use std::ffi::{c_char, c_int, c_void};

#[repr(C)]
pub struct Decoder {
    _private: [u8; 0],
}

#[repr(C)]
pub struct Config {
    _private: [u8; 0],
}

#[repr(C)]
pub struct Segment {
    _private: [u8; 0],
}

extern "C" {
    /// `NULL`: no logging at all (the library's log is one for the process).
    pub fn err_set_logfp(stream: *mut c_void);
    pub fn ps_args() -> *const c_void;
    pub fn cmd_ln_parse_r(inout: *mut Config, defn: *const c_void, argc: i32, argv: *const *const c_char, strict: i32) -> *mut Config;
    pub fn cmd_ln_free_r(config: *mut Config) -> c_int;
    pub fn ps_init(config: *mut Config) -> *mut Decoder;
    pub fn ps_free(decoder: *mut Decoder) -> c_int;
    pub fn ps_start_utt(decoder: *mut Decoder) -> c_int;
    pub fn ps_end_utt(decoder: *mut Decoder) -> c_int;
    pub fn ps_process_raw(decoder: *mut Decoder, data: *const i16, n_samples: usize, no_search: c_int, full_utt: c_int) -> c_int;
    pub fn ps_get_hyp(decoder: *mut Decoder, out_best_score: *mut i32) -> *const c_char;
    pub fn ps_seg_iter(decoder: *mut Decoder) -> *mut Segment;
    pub fn ps_seg_next(segment: *mut Segment) -> *mut Segment;
    pub fn ps_seg_word(segment: *mut Segment) -> *const c_char;
    pub fn ps_seg_frames(segment: *mut Segment, out_sf: *mut c_int, out_ef: *mut c_int);
}
