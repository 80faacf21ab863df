use std::net::SocketAddr;
use std::path::PathBuf;

use earshot_domain::seed::DEMO_PASSWORD;
use earshot_domain::User;
use earshot_protocol::{MonitoringAccess, Role, UserId};
use earshot_server::auth::{hash_password, weak_password};
use earshot_server::{Application, Config, Database};
use earshot_simulator::SimConfig;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: earshot-server [--demo [--seed N | --no-simulator]] [--port N] [--dist DIR] [--data DIR | --database URL]
                     [--allow-origin ORIGIN]... [--media-bind IP:PORT] [--media-advertise IP:PORT]
                     [--media-advertise-tcp IP:PORT] [--media-shards N] [--max-connections-per-address N]
       earshot-server create-admin --email EMAIL --name NAME [--data DIR | --database URL]
                     (the password on standard input, one line)

Without --demo the company is your own: an empty database starts with nobody
(make the first admin with create-admin) and the demo password is refused.
--demo starts the demo company, its published password and a call simulator.";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("Earshot's server: the app, its API, the live calls and their audio.\n{USAGE}");
        return;
    }
    if args.first().map(String::as_str) == Some("create-admin") {
        std::process::exit(create_admin(&args[1..]).await);
    }
    let config = match parse_args(args.into_iter()) {
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
    if config.demo {
        print_demo_accounts(&config);
    }
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
    let mut config = Config::production();
    config.media.bind = SocketAddr::from(([127, 0, 0, 1], 5004));
    // A media shard per core: each a thread with its own socket and SFU.
    config.media.shards = std::thread::available_parallelism().map_or(1, usize::from);
    config.database = Database::Dir(PathBuf::from("data"));
    let (mut demo, mut simulator, mut simulator_flag) = (false, Some(SimConfig::default()), None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--demo" => demo = true,
            "--port" => {
                let port = value()?;
                let port = port.parse().map_err(|_| format!("--port: not a port number: {port}"))?;
                config.addr.set_port(port);
            }
            "--dist" => config.dist_dir = Some(PathBuf::from(value()?)),
            "--data" | "--database" => config.database = parse_database(&flag, value()?),
            "--allow-origin" => config.extra_origins.push(value()?),
            "--seed" => {
                let seed = value()?;
                let seed = seed.parse().map_err(|_| format!("--seed: not a number: {seed}"))?;
                simulator = Some(SimConfig { seed, ..SimConfig::default() });
                simulator_flag = Some(flag.clone());
            }
            "--no-simulator" => (simulator, simulator_flag) = (None, Some(flag.clone())),
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
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    if let (false, Some(flag)) = (demo, simulator_flag) {
        return Err(format!("{flag}: the simulator is the demo's: it goes with --demo"));
    }
    if demo {
        let Config { seed, .. } = Config::demo();
        (config.seed, config.demo, config.simulator) = (seed, true, simulator);
    }
    Ok(config)
}

fn parse_database(flag: &str, value: String) -> Database {
    if flag == "--data" {
        Database::Dir(PathBuf::from(value))
    } else {
        Database::Url(value)
    }
}

/// `create-admin`: an admin with Live Monitoring+, whose password is read
/// from standard input: the first account of a new company, or one more
/// for scripts. Returns the exit status.
async fn create_admin(args: &[String]) -> i32 {
    let usage = |why: String| {
        eprintln!("create-admin: {why}\n{USAGE}");
        2
    };
    let (mut email, mut name, mut database) = (None, None, Database::Dir(PathBuf::from("data")));
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { return usage(format!("{flag} needs a value")) };
        match flag.as_str() {
            "--email" => email = Some(value.trim().to_lowercase()),
            "--name" => name = Some(value.trim().to_owned()),
            "--data" | "--database" => database = parse_database(flag, value.clone()),
            other => return usage(format!("unknown argument: {other}")),
        }
    }
    let Some(email) = email.filter(|e| e.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))) else {
        return usage("--email: an email address is needed (name@company.example)".into());
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else { return usage("--name: the admin's name is needed".into()) };
    let mut password = String::new();
    if let Err(e) = std::io::stdin().read_line(&mut password) {
        eprintln!("create-admin: cannot read the password from standard input: {e}");
        return 1;
    }
    let password = password.trim_end_matches(['\r', '\n']);
    if let Some(why) = weak_password(password) {
        eprintln!("create-admin: {why}: nothing was created");
        return 2;
    }
    let store = match database.open().await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("create-admin: cannot open the database: {e}");
            return 1;
        }
    };
    let admin = User { id: UserId(0), name, email, role: Role::Admin, access: MonitoringAccess::LiveMonitoringPlus, numbers: Vec::new() };
    match store.add_user(&admin, Some(&hash_password(password))).await {
        Ok(Some(id)) => {
            println!("Created admin {} <{}> (user {}). A server already running sees them once restarted.", admin.name, admin.email, id.0);
            0
        }
        Ok(None) => {
            eprintln!("create-admin: {} has an account already: nothing was created", admin.email);
            2
        }
        Err(e) => {
            eprintln!("create-admin: the database refused the new admin: {e}");
            1
        }
    }
}

fn parse_addr(flag: &str, value: &str) -> Result<SocketAddr, String> {
    value.parse().map_err(|_| format!("{flag}: not an IP:PORT address: {value}"))
}
