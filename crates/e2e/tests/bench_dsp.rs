//! `cargo xtask bench dsp`, the Chrome half: the built DSP module
//! (`/audio/earshot-dsp.wasm`, as the server serves it) timed in headless
//! Chromium's WebAssembly engine — on the page's main thread, the same
//! engine the AudioWorklet runs it on — and the real processor script
//! rendering a minute offline (the whole graph: oscillators, the worklet
//! with its JS copies, the merger). Figures are printed, never asserted.

use earshot_e2e::{spawn_app, Chromedriver};
use serde_json::json;

const SCRIPT: &str = r#"
    const done = arguments[arguments.length - 1];
    (async () => {
        const bytes = await (await fetch('/audio/earshot-dsp.wasm', { cache: 'no-store' })).arrayBuffer();
        const dsp = (await WebAssembly.instantiate(bytes, {})).instance.exports;
        dsp.init(48000);
        dsp.set_whisper(1);
        for (let b = 0; b < 3; b++) {
            const buffer = new Float32Array(dsp.memory.buffer, dsp.buffer(b), 128);
            for (let i = 0; i < 128; i++) buffer[i] = 0.3 * Math.sin(i * (0.07 + b * 0.02));
        }
        const quanta = 500000;
        const time = (f) => {
            for (let i = 0; i < quanta / 10; i++) f();
            const start = performance.now();
            for (let i = 0; i < quanta; i++) f();
            return (performance.now() - start) * 1e6 / quanta;
        };
        // The real processor script too, JS copies included: a minute of
        // audio rendered offline through it, whispering; then the same graph
        // without it, so the difference is the worklet's own cost.
        const seconds = 60;
        const render = async (withWorklet) => {
            const context = new OfflineAudioContext(2, 48000 * seconds, 48000);
            const merger = context.createChannelMerger(2);
            merger.connect(context.destination);
            let node = null;
            if (withWorklet) {
                await context.audioWorklet.addModule('/audio/earshot-processor.js');
                node = new AudioWorkletNode(context, 'earshot-coach', {
                    numberOfInputs: 3, numberOfOutputs: 2, outputChannelCount: [1, 1], channelCount: 1, channelCountMode: 'explicit',
                    processorOptions: { dsp: await WebAssembly.compile(bytes) },
                });
                node.parameters.get('whisper').value = 1;
                node.connect(merger, 0, 0);
                node.connect(merger, 1, 1);
            }
            for (let input = 0; input < 3; input++) {
                const tone = context.createOscillator();
                tone.frequency.value = 300 + 200 * input;
                tone.connect(node ?? merger, 0, node ? input : input % 2);
                tone.start();
            }
            const start = performance.now();
            await context.startRendering();
            return (performance.now() - start) * 1e6 / (48000 * seconds / 128);
        };
        const without = await render(false);
        const worklet = (await render(true)) - without;
        done({ capture: time(dsp.process_capture), mix: time(dsp.process_mix), whole: time(dsp.process), worklet, agent: navigator.userAgent });
    })().catch((e) => done({ error: String(e) }));
"#;

/// One quantum at 48 kHz lasts 2.67 ms.
const QUANTUM_NS: f64 = 128.0 / 48_000.0 * 1e9;

#[tokio::test]
#[ignore = "a benchmark: run with `cargo xtask bench dsp`"]
async fn bench_dsp_in_chrome() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser(&[]).await;
    browser.goto(&app.url("/")).await;

    let figures = browser.execute_async(SCRIPT, json!([])).await;

    assert!(figures["error"].is_null(), "{figures}");
    println!("Chrome: {}", figures["agent"].as_str().unwrap_or_default());
    let rows = [
        ("capture (whispering)", "capture"),
        ("mix (customer + agent)", "mix"),
        ("whole quantum (meters, mix, capture)", "whole"),
        ("the worklet in an offline render", "worklet"),
    ];
    for (what, key) in rows {
        let ns = figures[key].as_f64().unwrap_or(f64::NAN);
        println!("{what:<40} {ns:>8.1} ns per quantum  ({:.3} % of the 2.67 ms quantum)", ns / QUANTUM_NS * 100.0);
    }
    browser.quit().await;
}
