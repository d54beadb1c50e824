//! A TCP proxy between phones and the server, on loopback. It counts the bytes that cross it
//! both ways (headers included) and can misbehave on purpose: cut a connection before the
//! request reaches the server, drop the response after the server committed, send a request
//! twice, delay, and emulate a slow lossy link (bandwidth, round trip, loss as retransmission
//! delays — the kernel's `netem` is not available on these machines).
//!
//! Faults are decided per connection, so clients that should meet them use one connection per
//! request (no keep-alive).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How the proxy behaves; change it at any time with [`Proxy::set`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ProxyConfig {
    /// Chance that a connection is cut before its request reaches the server.
    pub cut_request: f64,
    /// Chance that the server's response is dropped (after the server committed).
    pub drop_response: f64,
    /// Chance that the request is also sent to the server a second time.
    pub duplicate: f64,
    /// Extra delay before forwarding a request.
    pub delay: Duration,
    /// Link bandwidth in bytes per second, each way (`None`: unlimited).
    pub bandwidth: Option<u64>,
    /// Round-trip time of the link (half each way).
    pub rtt: Duration,
    /// Packet loss: chance per 1460-byte segment of a retransmission after `rtt * 2`.
    pub loss: f64,
    /// Every connection is refused (the network is down).
    pub down: bool,
}

/// Bytes and connections seen.
#[derive(Debug, Default)]
pub struct ProxyStats {
    /// Client → server bytes.
    pub up: AtomicU64,
    /// Server → client bytes.
    pub down: AtomicU64,
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Faults injected.
    pub faults: AtomicU64,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// What crossed it.
    pub stats: Arc<ProxyStats>,
    config: Arc<Mutex<ProxyConfig>>,
    upstream: Arc<Mutex<SocketAddr>>,
    /// The connections under way, so that a cut can end them too.
    open: Arc<Mutex<Vec<JoinHandle<()>>>>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on 127.0.0.1:0 forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let stats = Arc::new(ProxyStats::default());
        let config = Arc::new(Mutex::new(ProxyConfig::default()));
        let upstream = Arc::new(Mutex::new(upstream));
        let open = Arc::new(Mutex::new(Vec::<JoinHandle<()>>::new()));
        let (s, c, u, o) = (stats.clone(), config.clone(), upstream.clone(), open.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                s.connections.fetch_add(1, Ordering::Relaxed);
                let cfg = *c.lock().unwrap();
                let target = *u.lock().unwrap();
                let connection = tokio::spawn(handle(client, target, cfg, s.clone()));
                let mut open = o.lock().unwrap();
                open.retain(|h| !h.is_finished());
                open.push(connection);
            }
        });
        Self { addr, stats, config, upstream, open, task }
    }

    /// The network goes down at once: new connections are refused and those under way (a
    /// browser's kept-alive ones too) are cut.
    pub fn cut_all(&self) {
        self.set(ProxyConfig { down: true, ..ProxyConfig::default() });
        for connection in self.open.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes the behaviour for new connections.
    pub fn set(&self, config: ProxyConfig) {
        *self.config.lock().unwrap() = config;
    }

    /// Points new connections at another server (after a restart on a new port).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap() = upstream;
    }

    /// Bytes up and down so far.
    pub fn bytes(&self) -> (u64, u64) {
        (self.stats.up.load(Ordering::Relaxed), self.stats.down.load(Ordering::Relaxed))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits as long as `n` bytes take on the emulated link.
async fn link_delay(cfg: &ProxyConfig, n: usize) {
    let mut wait = cfg.rtt / 2;
    if let Some(bps) = cfg.bandwidth {
        wait += Duration::from_secs_f64(n as f64 / bps as f64);
    }
    if cfg.loss > 0.0 {
        let segments = n.div_ceil(1460);
        let lost = (0..segments).filter(|_| rand::rng().random_bool(cfg.loss)).count();
        wait += cfg.rtt * 2 * lost as u32;
    }
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

fn chance(p: f64) -> bool {
    p > 0.0 && rand::rng().random_bool(p.min(1.0))
}

async fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    cfg: ProxyConfig,
    stats: Arc<ProxyStats>,
) {
    if cfg.down {
        return; // Dropping the socket refuses the request.
    }
    let cut = chance(cfg.cut_request);
    let drop_response = !cut && chance(cfg.drop_response);
    let duplicate = !cut && chance(cfg.duplicate);
    if cut || drop_response || duplicate {
        stats.faults.fetch_add(1, Ordering::Relaxed);
    }
    if cut {
        // Read a little of the request, then hang up without forwarding it.
        let mut buf = [0u8; 512];
        let _ = tokio::time::timeout(Duration::from_secs(2), client.read(&mut buf)).await;
        return;
    }
    // The TCP handshake costs a round trip on the emulated link.
    if !cfg.rtt.is_zero() {
        tokio::time::sleep(cfg.rtt).await;
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    let mut twin = if duplicate { TcpStream::connect(upstream).await.ok() } else { None };
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut first = true;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            stats.up.fetch_add(n as u64, Ordering::Relaxed);
            if first && !cfg.delay.is_zero() {
                tokio::time::sleep(cfg.delay).await;
            }
            first = false;
            link_delay(&cfg, n).await;
            if let Some(t) = twin.as_mut() {
                let _ = t.write_all(&buf[..n]).await;
            }
            if sw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = sw.shutdown().await;
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if drop_response {
                // The server has answered, so it has committed: hang up on the client.
                break;
            }
            link_delay(&cfg, n).await;
            stats.down.fetch_add(n as u64, Ordering::Relaxed);
            if cw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = cw.shutdown().await;
    };
    // A connection lives at most a minute: nothing here runs forever.
    let _ = tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(up, down) }).await;
}
