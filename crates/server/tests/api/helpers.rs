use earshot_protocol::{Me, MonitoringAccess, Role, UserId};
use earshot_server::auth::{hash_password, Account};
use earshot_server::{Application, Config};

pub const EMAIL: &str = "sam@example.com";
pub const PASSWORD: &str = "correct horse";

pub struct TestApp {
    pub addr: std::net::SocketAddr,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/session"))
            .header("origin", self.origin())
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("server answers")
    }

    /// Signs in as Sam and returns the `Cookie` header value to send back.
    pub async fn session_cookie(&self) -> String {
        let response = self.sign_in(EMAIL, PASSWORD).await;
        assert_eq!(response.status(), 200);
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }
}

pub async fn spawn_app() -> TestApp {
    let sam = Account {
        me: Me { id: UserId(1), name: "Sam".into(), role: Role::Supervisor, access: MonitoringAccess::LiveMonitoring },
        email: EMAIL.into(),
        password_hash: hash_password(PASSWORD),
    };
    let config = Config { addr: "127.0.0.1:0".parse().unwrap(), accounts: vec![sam], ..Config::default() };
    let app = Application::build(config).await.expect("server starts");
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped());
    TestApp { addr, client: reqwest::Client::new() }
}
