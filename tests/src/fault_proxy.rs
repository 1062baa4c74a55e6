//! A fault-injecting TCP proxy for network tests: sits between a desk and the central API (TLS passes
//! through untouched) and, per connection, passes it, refuses it, delays it, cuts it after some bytes
//! (mid-body), or resets it. Loopback only; it stops when dropped.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Accepted and closed at once, before a byte is forwarded.
    Drop,
    /// Forwarded after this long.
    Delay(Duration),
    /// Forwarded until this many bytes went towards the server, then both sides are closed: a
    /// request cut mid-body.
    CutUpstreamAfter(u64),
    /// Forwarded until this many bytes came back from the server, then closed: an answer cut mid-body.
    CutDownstreamAfter(u64),
    /// Forwarded for this many bytes in both directions together, then a TCP reset.
    ResetAfter(u64),
}

/// How faults are chosen for new connections.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every connection gets this fault.
    Always(Fault),
    /// Each connection: a fault with probability `fault_rate` (drop, delay, cuts and resets in equal
    /// parts, cut points up to `max_cut_bytes`), otherwise passed. Reproducible from the seed.
    Random { seed: u64, fault_rate: f64, max_cut_bytes: u64 },
    /// As `Random`, but a passed connection too is reset after a random number of bytes up to
    /// `max_connection_bytes`: a mobile network whose connections never last, even for a client that
    /// keeps one alive.
    Flaky { seed: u64, fault_rate: f64, max_cut_bytes: u64, max_connection_bytes: u64 },
}

impl Schedule {
    fn seed(&self) -> u64 {
        match self {
            Schedule::Always(_) => 0,
            Schedule::Random { seed, .. } | Schedule::Flaky { seed, .. } => *seed,
        }
    }
}

struct State {
    schedule: Schedule,
    rng: StdRng,
}

/// Counts of what the proxy did, for asserting that faults really happened.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub faulted: AtomicU64,
}

pub struct FaultProxy {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    counts: Arc<FaultCounts>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr, schedule: Schedule) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let seed = schedule.seed();
        let state = Arc::new(Mutex::new(State { schedule, rng: StdRng::seed_from_u64(seed) }));
        let counts = Arc::new(FaultCounts::default());
        let task = tokio::spawn(accept_loop(listener, upstream, state.clone(), counts.clone()));
        Ok(Self { address, state, counts, task })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `https://127.0.0.1:<port>` (the central's certificate names 127.0.0.1).
    pub fn https_url(&self) -> String {
        format!("https://{}", self.address)
    }

    /// Changes how new connections are treated (open ones keep theirs).
    pub fn set_schedule(&self, schedule: Schedule) {
        let mut state = self.state.lock().expect("proxy state");
        state.rng = StdRng::seed_from_u64(schedule.seed());
        state.schedule = schedule;
    }

    pub fn counts(&self) -> &FaultCounts {
        &self.counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, state: Arc<Mutex<State>>, counts: Arc<FaultCounts>) {
    while let Ok((client, _)) = listener.accept().await {
        let (fault, lifetime) = choose(&state);
        counts.connections.fetch_add(1, Ordering::Relaxed);
        if fault != Fault::Pass || lifetime.is_some() {
            counts.faulted.fetch_add(1, Ordering::Relaxed);
        }
        tokio::spawn(handle(client, upstream, fault, lifetime));
    }
}

/// The connection's fault, and the number of bytes after which it is reset whatever its fault (`Flaky`).
fn choose(state: &Mutex<State>) -> (Fault, Option<u64>) {
    let mut state = state.lock().expect("proxy state");
    let State { schedule, rng } = &mut *state;
    match schedule {
        Schedule::Always(fault) => (*fault, None),
        Schedule::Random { fault_rate, max_cut_bytes, .. } => (random_fault(rng, *fault_rate, *max_cut_bytes), None),
        Schedule::Flaky { fault_rate, max_cut_bytes, max_connection_bytes, .. } => {
            let fault = random_fault(rng, *fault_rate, *max_cut_bytes);
            (fault, Some(rng.gen_range(1..=(*max_connection_bytes).max(1))))
        }
    }
}

fn random_fault(rng: &mut StdRng, fault_rate: f64, max_cut_bytes: u64) -> Fault {
    if !rng.gen_bool(fault_rate.clamp(0.0, 1.0)) {
        return Fault::Pass;
    }
    let cut = rng.gen_range(1..=max_cut_bytes.max(1));
    match rng.gen_range(0..5) {
        0 => Fault::Drop,
        1 => Fault::Delay(Duration::from_millis(rng.gen_range(50..1500))),
        2 => Fault::CutUpstreamAfter(cut),
        3 => Fault::CutDownstreamAfter(cut),
        _ => Fault::ResetAfter(cut),
    }
}

async fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault, lifetime: Option<u64>) {
    let (limit_up, limit_down, reset) = match fault {
        Fault::Drop => return,
        Fault::Delay(by) => {
            tokio::time::sleep(by).await;
            (u64::MAX, u64::MAX, None)
        }
        Fault::Pass => (u64::MAX, u64::MAX, None),
        Fault::CutUpstreamAfter(n) => (n, u64::MAX, None),
        Fault::CutDownstreamAfter(n) => (u64::MAX, n, None),
        Fault::ResetAfter(n) => (u64::MAX, u64::MAX, Some(n)),
    };
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let reset = match (reset, lifetime) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let budget = AtomicU64::new(reset.unwrap_or(u64::MAX));
    {
        let (mut client_read, mut client_write) = client.split();
        let (mut server_read, mut server_write) = server.split();
        // Whichever direction ends first ends the connection: a cut is a cut both ways.
        tokio::select! {
            () = pipe(&mut client_read, &mut server_write, limit_up, &budget) => {}
            () = pipe(&mut server_read, &mut client_write, limit_down, &budget) => {}
        }
    }
    if reset.is_some() {
        // SO_LINGER 0: close() sends RST instead of FIN, to both sides.
        let _ = socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO));
        let _ = socket2::SockRef::from(&server).set_linger(Some(Duration::ZERO));
    }
}

async fn pipe<R, W>(from: &mut R, to: &mut W, limit: u64, shared_budget: &AtomicU64)
where
    R: tokio::io::AsyncRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    let mut buffer = vec![0u8; 16 * 1024];
    let mut sent = 0u64;
    loop {
        let Ok(read) = from.read(&mut buffer).await else { return };
        if read == 0 {
            let _ = to.shutdown().await;
            return;
        }
        let left = shared_budget.load(Ordering::Relaxed);
        let allowed = (read as u64).min(limit.saturating_sub(sent)).min(left);
        shared_budget.fetch_sub(allowed, Ordering::Relaxed);
        if allowed > 0 && to.write_all(&buffer[..allowed as usize]).await.is_err() {
            return;
        }
        sent += allowed;
        if allowed < read as u64 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that answers every connection with `reply` after reading `expect` bytes.
    async fn upstream(expect: usize, reply: Vec<u8>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let reply = reply.clone();
                tokio::spawn(async move {
                    let mut request = vec![0u8; expect];
                    if stream.read_exact(&mut request).await.is_ok() {
                        let _ = stream.write_all(&reply).await;
                    }
                });
            }
        });
        address
    }

    /// What a client gets back for `request`: the bytes, or the I/O error kind that ended it.
    async fn exchange(proxy: &FaultProxy, request: &[u8]) -> Result<Vec<u8>, std::io::ErrorKind> {
        let mut stream = TcpStream::connect(proxy.address()).await.map_err(|e| e.kind())?;
        stream.write_all(request).await.map_err(|e| e.kind())?;
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        match read.expect("proxy answers within 5 s") {
            Ok(_) => Ok(answer),
            Err(error) => Err(error.kind()),
        }
    }

    #[tokio::test]
    async fn each_fault_does_what_it_says_and_pass_forwards_everything() {
        let reply = vec![7u8; 100_000];
        let server = upstream(1000, reply.clone()).await;
        let proxy = FaultProxy::start(server, Schedule::Always(Fault::Pass)).await.unwrap();
        assert_eq!(exchange(&proxy, &[1u8; 1000]).await, Ok(reply.clone()), "pass forwards both ways");

        proxy.set_schedule(Schedule::Always(Fault::Drop));
        assert!(exchange(&proxy, &[1u8; 1000]).await.map_or(true, |answer| answer.is_empty()), "drop answers nothing");

        proxy.set_schedule(Schedule::Always(Fault::CutUpstreamAfter(500)));
        assert!(
            exchange(&proxy, &[1u8; 1000]).await.map_or(true, |answer| answer.is_empty()),
            "the server never got the whole request"
        );

        proxy.set_schedule(Schedule::Always(Fault::CutDownstreamAfter(30_000)));
        let cut = exchange(&proxy, &[1u8; 1000]).await.unwrap();
        assert_eq!(cut.len(), 30_000, "the answer stops mid-body");

        proxy.set_schedule(Schedule::Always(Fault::ResetAfter(20_000)));
        match exchange(&proxy, &[1u8; 1000]).await {
            Err(kind) => assert_eq!(kind, std::io::ErrorKind::ConnectionReset),
            Ok(answer) => assert!(answer.len() < reply.len(), "reset after a part, got {}", answer.len()),
        }

        proxy.set_schedule(Schedule::Always(Fault::Delay(Duration::from_millis(300))));
        let started = std::time::Instant::now();
        assert_eq!(exchange(&proxy, &[1u8; 1000]).await, Ok(reply.clone()));
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(proxy.counts().connections.load(Ordering::Relaxed), 6);
        assert_eq!(proxy.counts().faulted.load(Ordering::Relaxed), 5);
    }

    #[tokio::test]
    async fn a_random_schedule_is_reproducible_from_its_seed() {
        let server = upstream(1, vec![1]).await;
        let schedule = Schedule::Random { seed: 42, fault_rate: 0.5, max_cut_bytes: 1000 };
        let picks = |proxy: &FaultProxy| (0..50).map(|_| choose(&proxy.state).0).collect::<Vec<_>>();
        let first = FaultProxy::start(server, schedule.clone()).await.unwrap();
        let second = FaultProxy::start(server, schedule).await.unwrap();
        let (a, b) = (picks(&first), picks(&second));
        assert_eq!(a, b);
        let faulted = a.iter().filter(|f| **f != Fault::Pass).count();
        assert!((10..=40).contains(&faulted), "about half are faults: {faulted}");
    }
}
