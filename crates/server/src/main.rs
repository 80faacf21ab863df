use std::net::SocketAddr;
use std::path::PathBuf;

use earshot_domain::seed::DEMO_PASSWORD;
use earshot_server::{Application, Config, Database};
use earshot_simulator::SimConfig;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: earshot-server [--port N] [--dist DIR] [--data DIR | --database URL] [--allow-origin ORIGIN]...
                     [--seed N | --no-simulator]
                     [--media-bind IP:PORT] [--media-advertise IP:PORT] [--media-advertise-tcp IP:PORT] [--media-shards N]
                     [--max-connections-per-address N]";

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
    match &config.database {
        Database::Dir(dir) | Database::Scratch(dir) => println!("Data: {}", dir.join(earshot_store::SQLITE_FILE).display()),
        Database::Url(url) => println!("Data: {}", without_password(url)),
    }
    print_demo_accounts(&config);
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("earshot-server: cannot start: {e}");
            std::process::exit(1);
        }
    };
    println!("\nEarshot is running at http://{}/  (Ctrl-C stops it)\n", app.local_addr());
    if let Err(e) = app.run_until_stopped().await {
        eprintln!("earshot-server: {e}");
        std::process::exit(1);
    }
}

/// `postgres://earshot:secret@host/db` as `postgres://earshot:…@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.rsplit_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:…@{host}"),
        None => url.to_owned(),
    }
}

fn print_demo_accounts(config: &Config) {
    println!("Demo accounts, when the data is new (password for all: {DEMO_PASSWORD}):");
    for user in config.seed.directory.users() {
        println!("  {:<24} {:<12} {:?}, {:?}", user.email, format!("{:?}", user.role), user.access, user.name);
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut config = Config::demo();
    config.simulator = Some(SimConfig::default());
    config.media.bind = SocketAddr::from(([127, 0, 0, 1], 5004));
    // A media shard per core: each a thread with its own socket and SFU.
    config.media.shards = std::thread::available_parallelism().map_or(1, usize::from);
    config.database = Database::Dir(PathBuf::from("data"));
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => {
                let port = value()?;
                let port = port.parse().map_err(|_| format!("--port: not a port number: {port}"))?;
                config.addr.set_port(port);
            }
            "--dist" => config.dist_dir = Some(PathBuf::from(value()?)),
            "--data" => config.database = Database::Dir(PathBuf::from(value()?)),
            "--database" => config.database = Database::Url(value()?),
            "--allow-origin" => config.extra_origins.push(value()?),
            "--seed" => {
                let seed = value()?;
                let seed = seed.parse().map_err(|_| format!("--seed: not a number: {seed}"))?;
                config.simulator = Some(SimConfig { seed, ..SimConfig::default() });
            }
            "--no-simulator" => config.simulator = None,
            "--media-bind" => config.media.bind = parse_addr(&flag, &value()?)?,
            "--media-advertise" => config.media.advertised = Some(parse_addr(&flag, &value()?)?),
            "--media-advertise-tcp" => config.media.advertised_tcp = Some(parse_addr(&flag, &value()?)?),
            "--media-shards" => {
                let shards = value()?;
                config.media.shards = shards.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("--media-shards: not a count: {shards}"))?;
            }
            "--max-connections-per-address" => {
                let cap = value()?;
                config.connections.per_address = cap.parse().map_err(|_| format!("--max-connections-per-address: not a number: {cap}"))?;
            }
            "-h" | "--help" => return Err("Earshot backend: serves the app, its API and the demo company".into()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(config)
}

fn parse_addr(flag: &str, value: &str) -> Result<SocketAddr, String> {
    value.parse().map_err(|_| format!("{flag}: not an IP:PORT address: {value}"))
}
