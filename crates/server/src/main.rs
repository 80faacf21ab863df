use std::path::PathBuf;

use earshot_server::{Application, Config};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: earshot-server [--port N] [--dist DIR] [--allow-origin ORIGIN]...";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("earshot-server: cannot start: {e}");
            std::process::exit(1);
        }
    };
    println!("Earshot is running at http://{}/", app.local_addr());
    if let Err(e) = app.run_until_stopped().await {
        eprintln!("earshot-server: {e}");
        std::process::exit(1);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut config = Config::default();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => {
                let port = value()?;
                let port = port.parse().map_err(|_| format!("--port: not a port number: {port}"))?;
                config.addr.set_port(port);
            }
            "--dist" => config.dist_dir = Some(PathBuf::from(value()?)),
            "--allow-origin" => config.extra_origins.push(value()?),
            "-h" | "--help" => return Err("Earshot backend".into()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(config)
}
