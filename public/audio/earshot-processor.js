// The coach's audio processing, in the AudioWorklet. The DSP is Rust
// (crates/dsp, behind crates/worklet's bare exports); this file only moves
// samples between Web Audio and the module's memory. The module arrives
// compiled, in processorOptions.dsp: this scope has no fetch.
//
// Inputs (mono): 0 the customer, 1 the agent, 2 the coach's microphone.
// Outputs (mono): 0 playback (the coach's speakers), 1 capture (the
// whisper send line, toward the agent only).
// Parameters, read once per quantum: see parameterDescriptors.
// Posts { levels: [peak, rms] for customer, agent, coach } ~30 times a second.

const QUANTUM = 128;
const METERS_PER_SECOND = 30;
const CONTROLS = {
  whisper: (dsp, v) => dsp.set_whisper(v >= 0.5 ? 1 : 0),
  pushToTalk: (dsp, v) => dsp.set_push_to_talk(v >= 0.5 ? 1 : 0),
  held: (dsp, v) => dsp.set_held(v >= 0.5 ? 1 : 0),
  customerVolume: (dsp, v) => dsp.set_volume(0, v),
  agentVolume: (dsp, v) => dsp.set_volume(1, v),
  coachVolume: (dsp, v) => dsp.set_volume(2, v),
};

class EarshotCoachProcessor extends AudioWorkletProcessor {
  static get parameterDescriptors() {
    const flag = (name) => ({ name, defaultValue: 0, minValue: 0, maxValue: 1, automationRate: 'k-rate' });
    const volume = (name) => ({ name, defaultValue: 1, minValue: 0, maxValue: 2, automationRate: 'k-rate' });
    return [flag('whisper'), flag('pushToTalk'), flag('held'), volume('customerVolume'), volume('agentVolume'), volume('coachVolume')];
  }

  constructor(options) {
    super();
    this.dsp = new WebAssembly.Instance(options.processorOptions.dsp, {}).exports;
    this.dsp.init(sampleRate);
    // The module never allocates, so these views stay valid.
    this.buffers = [0, 1, 2, 3, 4].map((i) => new Float32Array(this.dsp.memory.buffer, this.dsp.buffer(i), QUANTUM));
    this.applied = {};
    this.quanta = 0;
    this.meterEvery = Math.max(1, Math.round(sampleRate / QUANTUM / METERS_PER_SECOND));
  }

  process(inputs, outputs, parameters) {
    for (const name in CONTROLS) {
      const value = parameters[name][0];
      if (this.applied[name] !== value) {
        CONTROLS[name](this.dsp, value);
        this.applied[name] = value;
      }
    }
    for (let i = 0; i < 3; i++) {
      const channel = inputs[i] && inputs[i][0];
      if (channel) this.buffers[i].set(channel);
      else this.buffers[i].fill(0);
    }
    this.dsp.process();
    for (const channel of outputs[0]) channel.set(this.buffers[3]);
    for (const channel of outputs[1]) channel.set(this.buffers[4]);
    if (++this.quanta % this.meterEvery === 0) {
      const levels = new Float32Array(this.dsp.memory.buffer, this.dsp.take_levels(), 6);
      this.port.postMessage({ levels: Array.from(levels) });
    }
    return true;
  }
}

registerProcessor('earshot-coach', EarshotCoachProcessor);
