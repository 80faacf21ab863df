//! `cargo xtask fuzz [TARGET…] [--seconds N] [--seed N] [--save] [--show]` and
//! `cargo xtask fuzz TARGET --input FILE` (replay one input).
//!
//! Runs each target's corpus (`crates/fuzz/corpus/<target>/`), then mutates
//! it for N seconds (default 60). An input with an outcome not seen before
//! joins the corpus (written there with `--save`). A panic writes the input
//! to `target/fuzz-crashes/<target>/` and fails the run.

use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use earshot_fuzz::mutate::{mutate, Rng};
use earshot_fuzz::{Target, TARGETS};

/// Inputs kept in memory per target, seeds included.
const MAX_CORPUS: usize = 4096;

const USAGE: &str = "usage: earshot-fuzz [TARGET...] [--seconds N] [--seed N] [--save] [--show] | TARGET --input FILE";

struct Options {
    targets: Vec<&'static Target>,
    seconds: u64,
    seed: u64,
    save: bool,
    /// Print each new outcome as it is found.
    show: bool,
    input: Option<PathBuf>,
}

thread_local! {
    /// The last panic's message and place, caught by the hook.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("{e}\n{USAGE}\ntargets: {}", TARGETS.iter().map(|t| t.name).collect::<Vec<_>>().join(", "));
            return ExitCode::from(2);
        }
    };
    // Panics are the findings: keep their words, print them once.
    panic::set_hook(Box::new(|info| PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()))));
    if let Some(input) = &options.input {
        let bytes = std::fs::read(input).unwrap_or_else(|e| panic!("cannot read {}: {e}", input.display()));
        return match attempt(options.targets[0], &bytes) {
            Ok(outcome) => {
                println!("{}: {outcome}", options.targets[0].name);
                ExitCode::SUCCESS
            }
            Err(why) => {
                eprintln!("{}: crash: {why}", options.targets[0].name);
                ExitCode::FAILURE
            }
        };
    }
    for target in &options.targets {
        if let Err(crash) = fuzz(target, &options) {
            eprintln!("{crash}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { targets: Vec::new(), seconds: 60, seed: clock_seed(), save: false, show: false, input: None };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("{flag} needs a value"));
        match arg.as_str() {
            "--seconds" => options.seconds = value("--seconds")?.parse().map_err(|_| "--seconds: not a number")?,
            "--seed" => options.seed = value("--seed")?.parse().map_err(|_| "--seed: not a number")?,
            "--save" => options.save = true,
            "--show" => options.show = true,
            "--input" => options.input = Some(PathBuf::from(value("--input")?)),
            name => options.targets.push(TARGETS.iter().find(|t| t.name == name).ok_or_else(|| format!("no target {name}"))?),
        }
    }
    if options.input.is_some() && options.targets.len() != 1 {
        return Err("--input replays one input into one target".into());
    }
    if options.targets.is_empty() {
        options.targets = TARGETS.iter().collect();
    }
    Ok(options)
}

fn clock_seed() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
}

/// Runs one input; the panic's words when it panics.
fn attempt(target: &Target, input: &[u8]) -> Result<String, String> {
    panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|_| PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default())
}

fn corpus_dir(target: &Target) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target.name)
}

fn fuzz(target: &Target, options: &Options) -> Result<(), String> {
    let dir = corpus_dir(target);
    let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: no corpus at {}: {e}", target.name, dir.display()))?
        .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
        .collect();
    let seeds = corpus.len();
    let mut outcomes = HashSet::new();
    for input in &corpus {
        outcomes.insert(attempt(target, input).map_err(|why| crash(target, input, &why))?);
    }
    let seen_in_seeds = outcomes.len();
    let mut rng = Rng::new(options.seed ^ hash_of(target.name.as_bytes()));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let mut runs = 0u64;
    while Instant::now() < deadline {
        for _ in 0..64 {
            let parent = &corpus[rng.below(corpus.len())];
            let input = mutate(&mut rng, parent, target.dictionary, &corpus);
            runs += 1;
            let outcome = attempt(target, &input).map_err(|why| crash(target, &input, &why))?;
            if options.show && !outcomes.contains(&outcome) {
                println!("{}: new outcome: {outcome}", target.name);
            }
            if outcomes.insert(outcome) && corpus.len() < MAX_CORPUS {
                if options.save {
                    std::fs::write(dir.join(format!("{:016x}", hash_of(&input))), &input).map_err(|e| e.to_string())?;
                }
                corpus.push(input);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{:<15} {runs:>9} runs in {seconds:.0} s ({:.0}/s), 0 crashes; outcomes: {seen_in_seeds} from {seeds} seeds, {} found (seed {})",
        target.name,
        runs as f64 / seconds,
        outcomes.len() - seen_in_seeds,
        options.seed
    );
    Ok(())
}

/// Keeps a crashing input and says how to replay it.
fn crash(target: &Target, input: &[u8], why: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-crashes").join(target.name);
    let file = dir.join(format!("crash-{:016x}", hash_of(input)));
    let kept = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, input));
    let place = match kept {
        Ok(()) => format!("input kept in {}\nreplay: cargo xtask fuzz {} --input {}", file.display(), target.name, file.display()),
        Err(e) => format!("the input could not be kept ({e}): {input:?}"),
    };
    format!("{}: CRASH: {why}\n{place}", target.name)
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}
