use std::net::SocketAddr;
use std::path::PathBuf;

use earshot_domain::seed::DEMO_PASSWORD;
use earshot_domain::User;
use earshot_protocol::{MonitoringAccess, Role, UserId};
use earshot_server::auth::{hash_password, weak_password};
use earshot_server::node::NodeConfig;
use earshot_server::{Application, Config, Database};
use earshot_simulator::SimConfig;
use earshot_sip::line::LineConfig;
use earshot_sip::trunk::{Account, Trunks};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "usage: earshot-server [--demo [--seed N | --no-simulator]] [--bind IP:PORT | --port N] [--dist DIR]
                     [--data DIR | --database URL] [--allow-origin ORIGIN]... [--trusted-proxy CIDR]...
                     [--media-bind IP:PORT] [--media-advertise IP:PORT] [--media-advertise-tcp IP:PORT]
                     [--media-shards N] [--max-connections-per-address N]
                     [--sip-bind IP:PORT] [--sip-trunk CIDR]... [--sip-user USER --sip-password PASSWORD]
                     [--sip-outbound IP:PORT] [--nats URL [--node NAME] [--cluster NAME]]
       earshot-server create-admin --email EMAIL --name NAME [--data DIR | --database URL]
                     (the password on standard input, one line)

--bind is where the server listens (default 127.0.0.1:8080). Behind a --trusted-proxy
(an address or a network, repeatable) the client is the one named in X-Forwarded-For.
Each flag may come from the environment instead: EARSHOT_ and its name in capitals
(EARSHOT_DATABASE, EARSHOT_TRUSTED_PROXY=10.0.0.0/8,127.0.0.1, EARSHOT_DEMO=1);
the command line wins.

--sip-bind turns the phone line on (SIP over UDP and TCP, off by default); calls are
taken only from each --sip-trunk (an address or a network, repeatable: your carrier's
or PBX's); a trunk from elsewhere is challenged for --sip-user's digest (the password
best from EARSHOT_SIP_PASSWORD). An agent's transfer to an outside number goes to
--sip-outbound (the trunk's address for calls out; by default, back to where each call
came from). --demo turns it on at 127.0.0.1:5060 for calls from this machine.

--nats makes this server one node of several (a NATS server with JetStream, one
PostgreSQL --database for all): every node serves everyone, one at a time runs the
company's live state. --node names this one (default: earshot-PID); nodes of one
--cluster (default: earshot) share a company.

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
    let mut every = from_environment(|name| std::env::var(name).ok());
    every.extend(args);
    let config = match parse_args(every.into_iter()) {
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
    let mut sip = SipFlags::default();
    let (mut nats, mut node, mut cluster) = (None, None, None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--demo" => demo = true,
            "--bind" => config.addr = parse_addr(&flag, &value()?)?,
            "--trusted-proxy" => {
                let proxy = value()?;
                config.trusted_proxies.push(parse_network(&proxy).ok_or_else(|| format!("--trusted-proxy: not an address or a network (10.0.0.0/8): {proxy}"))?);
            }
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
            "--sip-bind" => sip.bind = Some(parse_addr(&flag, &value()?)?),
            "--sip-user" => sip.user = Some(value()?),
            "--sip-password" => sip.password = Some(value()?),
            "--sip-outbound" => sip.outbound = Some(parse_addr(&flag, &value()?)?),
            "--sip-trunk" => {
                let trunk = value()?;
                sip.trunks.push(parse_network(&trunk).ok_or_else(|| format!("--sip-trunk: not an address or a network (192.0.2.0/24): {trunk}"))?);
            }
            "--nats" => nats = Some(value()?),
            "--node" => node = Some(value()?),
            "--cluster" => cluster = Some(value()?),
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
    config.node = match (nats, node, cluster) {
        (Some(nats), node, cluster) => Some(NodeConfig {
            nats,
            name: node.unwrap_or_else(|| format!("earshot-{}", std::process::id())),
            cluster: cluster.unwrap_or_else(|| "earshot".to_owned()),
        }),
        (None, None, None) => None,
        (None, _, _) => return Err("--node, --cluster: name a node of several: give --nats too".to_owned()),
    };
    if demo {
        let Config { seed, .. } = Config::demo();
        (config.seed, config.demo, config.simulator) = (seed, true, simulator);
    }
    if demo && config.node.is_none() {
        // The demo's phone line takes calls from this machine (SIPp, a softphone).
        sip.bind = sip.bind.or(Some(SocketAddr::from(([127, 0, 0, 1], 5060))));
        if sip.trunks.is_empty() {
            sip.trunks.push(parse_network("127.0.0.1").expect("an address"));
        }
    }
    let account = match (sip.user, sip.password) {
        (Some(username), Some(password)) if password.chars().count() >= 12 => Some(Account { username, password }),
        (Some(_), Some(_)) => return Err("--sip-password: at least 12 characters".to_owned()),
        (None, None) => None,
        _ => return Err("--sip-user and --sip-password: both or neither".to_owned()),
    };
    let off = sip.trunks.is_empty() && account.is_none();
    config.sip = match (sip.bind, off) {
        (Some(bind), _) => Some(LineConfig { bind, trunks: Trunks { allowed: sip.trunks, account }, max_calls: LineConfig::MAX_CALLS, outbound: sip.outbound }),
        (None, true) => None,
        (None, false) => return Err("--sip-trunk, --sip-user: the phone line is off: give --sip-bind too".to_owned()),
    };
    Ok(config)
}

/// The phone line's flags, read before they make a [`LineConfig`].
#[derive(Default)]
struct SipFlags {
    bind: Option<SocketAddr>,
    trunks: Vec<ipnet::IpNet>,
    user: Option<String>,
    password: Option<String>,
    outbound: Option<SocketAddr>,
}

/// The flags the environment may give (`EARSHOT_…`), and whether each is a
/// switch (no value), takes one, or may be repeated (commas in a variable).
const FLAGS: &[(&str, Takes)] = &[
    ("--demo", Takes::Nothing),
    ("--seed", Takes::One),
    ("--no-simulator", Takes::Nothing),
    ("--bind", Takes::One),
    ("--port", Takes::One),
    ("--dist", Takes::One),
    ("--data", Takes::One),
    ("--database", Takes::One),
    ("--allow-origin", Takes::Many),
    ("--trusted-proxy", Takes::Many),
    ("--media-bind", Takes::One),
    ("--media-advertise", Takes::One),
    ("--media-advertise-tcp", Takes::One),
    ("--media-shards", Takes::One),
    ("--max-connections-per-address", Takes::One),
    ("--sip-bind", Takes::One),
    ("--sip-trunk", Takes::Many),
    ("--sip-user", Takes::One),
    ("--sip-password", Takes::One),
    ("--sip-outbound", Takes::One),
    ("--nats", Takes::One),
    ("--node", Takes::One),
    ("--cluster", Takes::One),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Takes {
    Nothing,
    One,
    Many,
}

/// The flags the environment sets, as arguments: `EARSHOT_BIND=0.0.0.0:8080`
/// is `--bind 0.0.0.0:8080`, `EARSHOT_DEMO=1` is `--demo`.
fn from_environment(variable: impl Fn(&str) -> Option<String>) -> Vec<String> {
    let mut args = Vec::new();
    for &(flag, takes) in FLAGS {
        let name = format!("EARSHOT_{}", flag.trim_start_matches('-').replace('-', "_").to_uppercase());
        let Some(value) = variable(&name) else { continue };
        match takes {
            Takes::Nothing if matches!(value.trim(), "1" | "true" | "yes") => args.push(flag.to_owned()),
            Takes::Nothing => {}
            Takes::One => args.extend([flag.to_owned(), value]),
            Takes::Many => value.split(',').map(str::trim).filter(|v| !v.is_empty()).for_each(|v| args.extend([flag.to_owned(), v.to_owned()])),
        }
    }
    args
}

/// `10.0.0.0/8`, or one address (`127.0.0.1`, `::1`).
fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    text.parse().ok().or_else(|| text.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
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
    let admin = User { id: UserId(0), name, email, role: Role::Admin, access: MonitoringAccess::LiveMonitoringPlus, numbers: Vec::new(), active: true };
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn every_flag_may_come_from_the_environment_and_the_command_line_wins() {
        let environment: HashMap<&str, &str> = HashMap::from([
            ("EARSHOT_BIND", "0.0.0.0:9000"),
            ("EARSHOT_TRUSTED_PROXY", "10.0.0.0/8, 127.0.0.1"),
            ("EARSHOT_DATABASE", "postgres://earshot@db/earshot"),
            ("EARSHOT_DEMO", "1"),
            ("EARSHOT_NO_SIMULATOR", "0"),
        ]);
        let mut args = from_environment(|name| environment.get(name).map(|v| v.to_string()));
        args.extend(["--bind".to_owned(), "127.0.0.1:9001".to_owned()]);
        let config = parse_args(args.into_iter()).unwrap();
        assert_eq!(config.addr, "127.0.0.1:9001".parse().unwrap(), "the command line wins");
        assert_eq!(config.trusted_proxies, vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()]);
        assert_eq!(config.database, Database::Url("postgres://earshot@db/earshot".into()));
        assert!(config.demo && config.simulator.is_some(), "EARSHOT_DEMO=1 is --demo; EARSHOT_NO_SIMULATOR=0 is nothing");
    }

    #[test]
    fn the_defaults_are_your_own_company_on_loopback_and_bad_values_say_why() {
        let config = parse_args(std::iter::empty()).unwrap();
        assert_eq!((config.addr, config.demo, config.simulator.is_none()), ("127.0.0.1:8080".parse().unwrap(), false, true));
        assert!(config.seed.directory.users().next().is_none(), "nobody until create-admin");
        let refused = |args: &[&str]| parse_args(args.iter().map(|a| a.to_string())).err().unwrap_or_default();
        assert!(refused(&["--trusted-proxy", "10.0.0/8"]).starts_with("--trusted-proxy: not an address or a network"));
        assert!(refused(&["--bind", "8080"]).starts_with("--bind: not an IP:PORT address"));
        assert_eq!(refused(&["--no-simulator"]), "--no-simulator: the simulator is the demo's: it goes with --demo");
    }

    #[test]
    fn the_phone_line_is_off_unless_bound_and_takes_calls_only_from_its_trunks() {
        let parsed = |args: &[&str]| parse_args(args.iter().map(|a| a.to_string()));
        assert!(parsed(&[]).unwrap().sip.is_none(), "off by default");
        let line = parsed(&["--sip-bind", "0.0.0.0:5060", "--sip-trunk", "192.0.2.0/24", "--sip-trunk", "198.51.100.7"]).unwrap().sip.unwrap();
        assert_eq!((line.bind, line.outbound), ("0.0.0.0:5060".parse().unwrap(), None), "calls out go back to the trunk that called");
        let out = parsed(&["--sip-bind", "0.0.0.0:5060", "--sip-trunk", "192.0.2.0/24", "--sip-outbound", "192.0.2.10:5070"]).unwrap().sip.unwrap();
        assert_eq!(out.outbound, Some("192.0.2.10:5070".parse().unwrap()));
        assert_eq!(line.trunks.allowed, vec!["192.0.2.0/24".parse().unwrap(), "198.51.100.7/32".parse().unwrap()]);
        let demo = parsed(&["--demo"]).unwrap().sip.unwrap();
        assert_eq!((demo.bind, demo.trunks.allowed), ("127.0.0.1:5060".parse().unwrap(), vec!["127.0.0.1/32".parse().unwrap()]), "the demo's, for this machine");
        assert_eq!(parsed(&["--sip-trunk", "192.0.2.1"]).err().unwrap(), "--sip-trunk, --sip-user: the phone line is off: give --sip-bind too");
        let signed = parsed(&["--sip-bind", "0.0.0.0:5060", "--sip-user", "trunk", "--sip-password", "ledger-violet-harbour"]).unwrap().sip.unwrap();
        assert_eq!(signed.trunks.account.map(|a| a.username).as_deref(), Some("trunk"));
        assert_eq!(parsed(&["--sip-bind", "0.0.0.0:5060", "--sip-user", "trunk"]).err().unwrap(), "--sip-user and --sip-password: both or neither");
        assert_eq!(parsed(&["--sip-bind", "0.0.0.0:5060", "--sip-user", "t", "--sip-password", "short"]).err().unwrap(), "--sip-password: at least 12 characters");
        assert!(parsed(&["--sip-bind", "0.0.0.0:5060", "--sip-trunk", "carrier"]).err().unwrap().starts_with("--sip-trunk: not an address or a network"));
    }
}
