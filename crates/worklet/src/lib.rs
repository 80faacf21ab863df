//! The coach's AudioWorklet module: [`earshot_dsp`] behind a bare
//! `extern "C"` face, built for `wasm32-unknown-unknown` with no
//! wasm-bindgen glue (the AudioWorklet scope has no TextDecoder, fetch or
//! shared memory for it). `public/audio/earshot-processor.js` drives it:
//!
//! 1. `init(sampleRate)` once;
//! 2. per quantum: write the three inputs into `buffer(0..3)`, call
//!    `process()`, read playback from `buffer(3)` and capture from `buffer(4)`;
//! 3. controls: `set_whisper`, `set_push_to_talk`, `set_held`, `set_volume`;
//! 4. ~30 times a second, `take_levels()`: peak and RMS of customer, agent
//!    and coach, six floats.
//!
//! The module allocates nothing, so its memory never grows and the views
//! the processor keeps on it stay valid.

#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]

use core::cell::UnsafeCell;

use earshot_dsp::{Block, Inputs, Outputs, Party, Processor, QUANTUM};

struct State {
    buffers: [Block; 5],
    levels: [f32; 6],
    dsp: Option<Processor>,
}

struct Global(UnsafeCell<State>);

// SAFETY: a wasm instance runs on one thread (the audio rendering thread)
// and every export runs to completion before the next; nothing is shared.
unsafe impl Sync for Global {}

static STATE: Global = Global(UnsafeCell::new(State { buffers: [[0.0; QUANTUM]; 5], levels: [0.0; 6], dsp: None }));

fn state() -> &'static mut State {
    // SAFETY: see `Global`: exports never overlap, and none keeps the
    // reference past its return.
    unsafe { &mut *STATE.0.get() }
}

fn dsp() -> Option<&'static mut Processor> {
    state().dsp.as_mut()
}

/// Starts the processing at `sample_rate`: gate closed, both parties at
/// full volume.
#[no_mangle]
pub extern "C" fn init(sample_rate: f32) {
    state().dsp = Some(Processor::new(sample_rate));
}

/// Where the processor writes input `index` (0 customer, 1 agent,
/// 2 microphone) and reads output (3 playback, 4 capture): 128 floats.
/// Null for any other index.
#[no_mangle]
pub extern "C" fn buffer(index: u32) -> *mut f32 {
    match state().buffers.get_mut(index as usize) {
        Some(block) => block.as_mut_ptr(),
        None => core::ptr::null_mut(),
    }
}

/// Processes the quantum in the buffers. Before `init`: silence out.
#[no_mangle]
pub extern "C" fn process() {
    let State { buffers, dsp, .. } = state();
    let [customer, agent, microphone, playback, capture] = buffers;
    match dsp {
        Some(dsp) => dsp.process(Inputs { customer, agent, microphone }, Outputs { playback, capture }),
        None => {
            playback.fill(0.0);
            capture.fill(0.0);
        }
    }
}

/// The capture half of [`process`] alone (the microphone through the gate),
/// for `cargo xtask bench dsp`.
#[no_mangle]
pub extern "C" fn process_capture() {
    let State { buffers, dsp, .. } = state();
    let [_, _, microphone, _, capture] = buffers;
    if let Some(dsp) = dsp {
        dsp.capture.process(microphone, capture);
    }
}

/// The playback half of [`process`] alone (customer and agent mixed), for
/// `cargo xtask bench dsp`.
#[no_mangle]
pub extern "C" fn process_mix() {
    let State { buffers, dsp, .. } = state();
    let [customer, agent, _, playback, _] = buffers;
    if let Some(dsp) = dsp {
        dsp.mix.process(customer, agent, playback);
    }
}

#[no_mangle]
pub extern "C" fn set_whisper(on: u32) {
    if let Some(dsp) = dsp() {
        dsp.capture.set_whisper(on != 0);
    }
}

#[no_mangle]
pub extern "C" fn set_push_to_talk(on: u32) {
    if let Some(dsp) = dsp() {
        dsp.capture.set_push_to_talk(on != 0);
    }
}

#[no_mangle]
pub extern "C" fn set_held(held: u32) {
    if let Some(dsp) = dsp() {
        dsp.capture.set_held(held != 0);
    }
}

/// The volume of `party` (0 customer, 1 agent, 2 the coach toward the
/// agent), 0..=2; out-of-range values are clamped, unknown parties ignored.
#[no_mangle]
pub extern "C" fn set_volume(party: u32, volume: f32) {
    let Some(dsp) = dsp() else { return };
    match Party::from_index(party) {
        Some(Party::Customer) => dsp.mix.set_customer(volume),
        Some(Party::Agent) => dsp.mix.set_agent(volume),
        Some(Party::Coach) => dsp.capture.set_volume(volume),
        None => {}
    }
}

/// Peak and RMS of customer, agent and coach since the last call (six
/// floats), and fresh windows.
#[no_mangle]
pub extern "C" fn take_levels() -> *const f32 {
    let State { levels, dsp, .. } = state();
    if let Some(dsp) = dsp {
        for party in Party::ALL {
            let level = dsp.take_level(party);
            levels[party as usize * 2] = level.peak;
            levels[party as usize * 2 + 1] = level.rms;
        }
    }
    levels.as_ptr()
}

#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // Nothing here panics on valid input; a trap stops this instance only
    // (the processor then outputs silence).
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The buffers shared with the processor, by index.
    const CUSTOMER: usize = 0;
    const AGENT: usize = 1;
    const MICROPHONE: usize = 2;
    const PLAYBACK: usize = 3;
    const CAPTURE: usize = 4;

    fn write(index: usize, value: f32) {
        // SAFETY: `buffer` points at 128 floats for indices 0..5.
        unsafe { core::slice::from_raw_parts_mut(buffer(index as u32), QUANTUM) }.fill(value);
    }

    fn read(index: usize) -> Block {
        // SAFETY: as above.
        unsafe { core::slice::from_raw_parts(buffer(index as u32), QUANTUM) }.try_into().unwrap()
    }

    /// One test drives the one global state, start to finish.
    #[test]
    fn the_exports_drive_the_processing() {
        write(MICROPHONE, 0.8);
        process();
        assert_eq!(read(CAPTURE), [0.0; QUANTUM], "before init: silence");
        assert!(buffer(5).is_null());

        init(48_000.0);
        write(CUSTOMER, 0.5);
        write(AGENT, 0.25);
        process();
        assert_eq!(read(PLAYBACK), [0.75; QUANTUM]);
        assert_eq!(read(CAPTURE), [0.0; QUANTUM]);

        set_whisper(1);
        set_volume(0, 0.0);
        // The 5 ms ramp (240 frames) takes two quanta.
        for _ in 0..3 {
            process();
        }
        assert_eq!(read(CAPTURE), [0.8; QUANTUM]);
        assert_eq!(read(PLAYBACK), [0.25; QUANTUM]);

        // Each half alone, as the benchmark runs them.
        write(PLAYBACK, 0.0);
        write(CAPTURE, 0.0);
        process_mix();
        assert_eq!((read(PLAYBACK), read(CAPTURE)), ([0.25; QUANTUM], [0.0; QUANTUM]));
        process_capture();
        assert_eq!(read(CAPTURE), [0.8; QUANTUM]);

        set_push_to_talk(1);
        for _ in 0..3 {
            process();
        }
        assert_eq!(read(CAPTURE), [0.0; QUANTUM]);

        // SAFETY: `take_levels` points at six floats.
        let levels = unsafe { core::slice::from_raw_parts(take_levels(), 6) };
        let expected = [0.5, 0.5, 0.25, 0.25, 0.8, 0.8];
        assert!(levels.iter().zip(expected).all(|(l, e)| (l - e).abs() < 1e-5), "{levels:?}");
    }
}
