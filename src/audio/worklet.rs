//! The coach's audio graph. The call's two parties and the coach's
//! microphone go into the worklet; its playback output goes to the
//! speakers, its capture output to a MediaStream whose one track is the
//! whisper send line. So the microphone reaches the agent only through the
//! DSP's gate, which sends exact zeros unless whispering.

use js_sys::{Array, Object, Reflect, WebAssembly};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, AudioWorkletNode, AudioWorkletNodeOptions, BaseAudioContext, ChannelCountMode, MediaStream, MediaStreamAudioDestinationNode,
    MediaStreamAudioSourceNode, MediaStreamTrack, MessageEvent,
};

use crate::media::js_error;
use crate::media::open_microphone;

/// The name `earshot-processor.js` registers.
const PROCESSOR: &str = "earshot-coach";

/// The worklet's inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Customer = 0,
    Agent = 1,
    Microphone = 2,
}

/// The worklet's outputs.
const PLAYBACK: u32 = 0;
const CAPTURE: u32 = 1;

/// What the processor reads at the start of every quantum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// 1: the gate may open.
    Whisper,
    /// 1: while whispering, the gate opens only while [`Control::Held`].
    PushToTalk,
    Held,
    /// 0..=2 each.
    CustomerVolume,
    AgentVolume,
    CoachVolume,
}

impl Control {
    /// The processor's AudioParam.
    pub fn name(self) -> &'static str {
        match self {
            Control::Whisper => "whisper",
            Control::PushToTalk => "pushToTalk",
            Control::Held => "held",
            Control::CustomerVolume => "customerVolume",
            Control::AgentVolume => "agentVolume",
            Control::CoachVolume => "coachVolume",
        }
    }
}

/// Peak and RMS, linear (1.0 is full scale).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Level {
    pub peak: f32,
    pub rms: f32,
}

impl Level {
    /// The RMS in dB below full scale, floored at -60 (silence).
    pub fn rms_db(&self) -> f32 {
        if self.rms <= 0.001 {
            -60.0
        } else {
            (20.0 * self.rms.log10()).max(-60.0)
        }
    }
}

/// The three meters, posted ~30 times a second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Levels {
    pub customer: Level,
    pub agent: Level,
    pub coach: Level,
}

impl Levels {
    fn from_message(data: &JsValue) -> Option<Self> {
        let values: Vec<f32> = Array::from(&Reflect::get(data, &"levels".into()).ok()?).iter().filter_map(|v| v.as_f64()).map(|v| v as f32).collect();
        let level = |i: usize| Some(Level { peak: *values.get(i * 2)?, rms: *values.get(i * 2 + 1)? });
        Some(Self { customer: level(0)?, agent: level(1)?, coach: level(2)? })
    }
}

/// Loads the processor script at `script` into `context` and makes its
/// node, running `dsp` (the compiled DSP module).
pub async fn load(context: &BaseAudioContext, script: &str, dsp: &WebAssembly::Module) -> Result<AudioWorkletNode, String> {
    let worklet = context.audio_worklet().map_err(js_error)?;
    JsFuture::from(worklet.add_module(script).map_err(js_error)?)
        .await
        .map_err(|e| format!("the audio processing would not load ({}): run the audio setup again", js_error(e)))?;
    let options = AudioWorkletNodeOptions::new();
    options.set_number_of_inputs(3);
    options.set_number_of_outputs(2);
    options.set_output_channel_count(&Array::of2(&1.into(), &1.into()));
    options.set_channel_count(1);
    options.set_channel_count_mode(ChannelCountMode::Explicit);
    let processor_options = Object::new();
    Reflect::set(&processor_options, &"dsp".into(), dsp).map_err(js_error)?;
    options.set_processor_options(Some(&processor_options));
    AudioWorkletNode::new_with_options(context, PROCESSOR, &options).map_err(js_error)
}

pub fn set(node: &AudioWorkletNode, control: Control, value: f32) {
    // Every control is declared by the processor.
    if let Some(param) = node.parameters().ok().and_then(|p| p.get(control.name())) {
        param.set_value(value);
    }
}

/// Calls `f` with every meter reading; the closure lives as long as the
/// returned value.
pub fn on_levels(node: &AudioWorkletNode, mut f: impl FnMut(Levels) + 'static) -> Result<Closure<dyn FnMut(MessageEvent)>, String> {
    let closure = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(levels) = Levels::from_message(&event.data()) {
            f(levels);
        }
    });
    node.port().map_err(js_error)?.set_onmessage(Some(closure.as_ref().unchecked_ref()));
    Ok(closure)
}

/// The coach's live graph on a real AudioContext.
pub struct CoachAudio {
    context: AudioContext,
    node: AudioWorkletNode,
    send: MediaStreamAudioDestinationNode,
    parties: Vec<MediaStreamAudioSourceNode>,
    microphone: Option<(MediaStream, MediaStreamAudioSourceNode)>,
    _levels: Closure<dyn FnMut(MessageEvent)>,
}

impl CoachAudio {
    /// A running graph: the processor from `script`, its DSP `dsp`;
    /// `levels` gets the meters.
    pub async fn start(script: &str, dsp: &WebAssembly::Module, levels: impl FnMut(Levels) + 'static) -> Result<Self, String> {
        let context = AudioContext::new().map_err(js_error)?;
        // Started from a click (Join), so the browser lets it run.
        let _ = context.resume();
        let node = match load(&context, script, dsp).await {
            Ok(node) => node,
            Err(e) => {
                let _ = context.close();
                return Err(e);
            }
        };
        let send = context.create_media_stream_destination().map_err(js_error)?;
        node.connect_with_audio_node_and_output(&context.destination(), PLAYBACK).map_err(js_error)?;
        node.connect_with_audio_node_and_output(&send, CAPTURE).map_err(js_error)?;
        let levels = on_levels(&node, levels)?;
        Ok(Self { context, node, send, parties: Vec::new(), microphone: None, _levels: levels })
    }

    /// Plays `track` (a received party) through the mix.
    pub fn hear(&mut self, input: Input, track: &MediaStreamTrack) -> Result<(), String> {
        let stream = MediaStream::new_with_tracks(&Array::of1(track)).map_err(js_error)?;
        let source = self.context.create_media_stream_source(&stream).map_err(js_error)?;
        source.connect_with_audio_node_and_output_and_input(&self.node, 0, input as u32).map_err(js_error)?;
        self.parties.push(source);
        Ok(())
    }

    /// The whisper send line's track: the worklet's capture output.
    pub fn send_track(&self) -> Option<MediaStreamTrack> {
        self.send.stream().get_audio_tracks().get(0).dyn_into().ok()
    }

    /// Opens the microphone (`device`, or the default) into the worklet,
    /// replacing one open already — switching devices mid-call keeps the
    /// send track, so the call and the whisper state are untouched.
    pub async fn open_microphone(&mut self, device: Option<&str>) -> Result<(), String> {
        let stream = open_microphone(device).await?;
        let source = self.context.create_media_stream_source(&stream).map_err(js_error)?;
        source.connect_with_audio_node_and_output_and_input(&self.node, 0, Input::Microphone as u32).map_err(js_error)?;
        self.close_microphone();
        self.microphone = Some((stream, source));
        Ok(())
    }

    /// Releases the microphone (the browser's indicator goes off).
    pub fn close_microphone(&mut self) {
        if let Some((stream, source)) = self.microphone.take() {
            let _ = source.disconnect();
            stop_tracks(&stream);
        }
    }

    pub fn has_microphone(&self) -> bool {
        self.microphone.is_some()
    }

    pub fn set(&self, control: Control, value: f32) {
        set(&self.node, control, value);
    }

    /// Plays through `output` and, when the microphone is open, listens to
    /// `input` instead ("" is the default for either): switching mid-call
    /// keeps the send track, so the call and the whisper go on.
    pub async fn switch_devices(&mut self, input: &str, output: &str) -> Result<(), String> {
        self.set_output(output).await?;
        if self.has_microphone() {
            self.open_microphone(Some(input)).await?;
        }
        Ok(())
    }

    /// Plays through `device` (an `audiooutput` device id; "" is the default).
    pub async fn set_output(&self, device: &str) -> Result<(), String> {
        let set_sink_id = Reflect::get(&self.context, &"setSinkId".into()).map_err(js_error)?;
        let set_sink_id: js_sys::Function = set_sink_id.dyn_into().map_err(|_| "this browser cannot choose an output device".to_owned())?;
        let promise: js_sys::Promise = set_sink_id.call1(&self.context, &device.into()).map_err(js_error)?.unchecked_into();
        JsFuture::from(promise).await.map_err(|e| format!("that output device is not available: {}", js_error(e)))?;
        Ok(())
    }

    /// A short tone through the mix, where a party's voice plays: the
    /// setup's "Did you hear it?" tests the whole playback path.
    pub fn play_test_tone(&self) -> Result<(), String> {
        let now = self.context.current_time();
        let tone = self.context.create_oscillator().map_err(js_error)?;
        let envelope = self.context.create_gain().map_err(js_error)?;
        tone.frequency().set_value(660.0);
        let gain = envelope.gain();
        // Soft edges: no click at either end.
        gain.set_value_at_time(0.0, now).map_err(js_error)?;
        gain.linear_ramp_to_value_at_time(0.3, now + 0.05).map_err(js_error)?;
        gain.linear_ramp_to_value_at_time(0.3, now + 0.75).map_err(js_error)?;
        gain.linear_ramp_to_value_at_time(0.0, now + 0.8).map_err(js_error)?;
        tone.connect_with_audio_node(&envelope).map_err(js_error)?;
        envelope.connect_with_audio_node_and_output_and_input(&self.node, 0, Input::Customer as u32).map_err(js_error)?;
        tone.start_with_when(now).map_err(js_error)?;
        tone.stop_with_when(now + 0.8).map_err(js_error)
    }
}

impl Drop for CoachAudio {
    fn drop(&mut self) {
        // Meters still queued must not reach the closure dropped with us.
        if let Ok(port) = self.node.port() {
            port.set_onmessage(None);
            port.close();
        }
        self.close_microphone();
        for party in &self.parties {
            let _ = party.disconnect();
        }
        let _ = self.node.disconnect();
        // Each context holds an audio thread.
        let _ = self.context.close();
    }
}

fn stop_tracks(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
}
