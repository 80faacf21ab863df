//! A media shard: a thread of its own running one loop over one UDP socket
//! (and ICE-TCP connections beside it) and one SFU core — a datagram, a TCP
//! frame, a request or a deadline; then every datagram the core wants sent.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use earshot_sfu::{JoinError, LegRole, LineEvent, Protocol, RoomId, Sfu};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

use super::hops::Hops;
use super::playback::{Dialogue, Looping, Playback, Tone, FRAME};
use super::tcp::{self, TcpEvent};
use crate::listen::Ears;
use super::{Effect, JoinRefused, LegReport, MediaConfig, MediaHandle, MediaRequest, Shard};
use crate::supervise;

/// Each media socket's receive and send buffers: a few hundred calls'
/// frames arrive together every 20 ms, more than the kernel's default
/// (208 KiB) holds. The kernel caps it at `net.core.rmem_max`.
const SOCKET_BUFFER: usize = 4 << 20;

/// A non-blocking UDP socket bound to `address`, with [`SOCKET_BUFFER`]s.
fn udp_socket(address: SocketAddr) -> std::io::Result<std::net::UdpSocket> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::DGRAM, Some(socket2::Protocol::UDP))?;
    socket.set_recv_buffer_size(SOCKET_BUFFER)?;
    socket.set_send_buffer_size(SOCKET_BUFFER)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    Ok(socket.into())
}

/// Datagrams read in one wake-up at most, so that timers and requests
/// are not kept waiting under a flood.
const READ_BATCH: usize = 64;

/// Binds every shard's sockets and starts its thread.
pub fn spawn(config: &MediaConfig, dialogue: Dialogue, ears: Ears) -> std::io::Result<MediaHandle> {
    // Building the first `Rtc` installs str0m's crypto; do it once, up front.
    str0m::crypto::from_feature_flags().install_process_default();
    config.check()?;
    let dialogue = Arc::new(dialogue);
    let shards = (0..config.shards.max(1)).map(|i| spawn_shard(i, config, Arc::clone(&dialogue), ears.clone())).collect::<std::io::Result<Vec<_>>>()?;
    Ok(MediaHandle { shards: shards.into() })
}

/// Shard `i`: its sockets bound here (a failure is the caller's to see),
/// its loop on a thread of its own with a single-threaded runtime.
fn spawn_shard(i: usize, config: &MediaConfig, dialogue: Arc<Dialogue>, ears: Ears) -> std::io::Result<Shard> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let _in_runtime = runtime.enter(); // the sockets register with the shard's own reactor
    let socket = udp_socket(MediaConfig::for_shard(config.bind, i)?)?;
    let local = socket.local_addr()?;
    let socket = UdpSocket::from_std(socket)?;
    let advertised = config.advertised.map_or(Ok(local), |a| MediaConfig::for_shard(a, i))?;
    // TCP on the UDP socket's port, so one number opens both in a firewall
    // (any free port when that one is taken: tests bind port 0).
    let listener = std::net::TcpListener::bind(local).or_else(|_| std::net::TcpListener::bind(SocketAddr::new(local.ip(), 0)))?;
    listener.set_nonblocking(true)?;
    let tcp_local = listener.local_addr()?;
    let listener = TcpListener::from_std(listener)?;
    let advertised_tcp = config
        .advertised_tcp
        .map_or(Ok(SocketAddr::new(advertised.ip(), tcp_local.port())), |a| MediaConfig::for_shard(a, i))?;
    let (tx, rx) = mpsc::unbounded_channel();
    let (tcp_events, tcp_rx) = mpsc::channel(1024);
    let loopback_only = local.ip().is_loopback();
    let owner = Owner {
        shard: i,
        sfu: Sfu::new(advertised).with_tcp(advertised_tcp).with_listening().with_line_silence(config.line_silence),
        ears,
        socket,
        advertised,
        advertised_tcp,
        tcp: HashMap::new(),
        loopback_only,
        dialogue,
        playing: BTreeMap::new(),
        ringback: Tone::ringback(),
        ringing: BTreeMap::new(),
        lines: HashMap::new(),
        hops: Hops::default(),
    };
    supervise::thread(format!("media-{i}"), move || {
        runtime.block_on(async move {
            supervise::task(format!("media-{i} TCP listener"), tcp::accept(listener, tcp_events, loopback_only));
            owner.run(rx, tcp_rx).await;
        });
    })?;
    tracing::info!("SFU shard {i} on udp://{local} and tcp://{tcp_local} (advertising {advertised}, tcp {advertised_tcp})");
    Ok(Shard { tx, local, advertised })
}

struct Owner {
    /// Which shard this is.
    shard: usize,
    sfu: Sfu,
    socket: UdpSocket,
    /// The addresses in the SFU's candidates, UDP and TCP. Packets arrive
    /// for them (str0m matches a packet to its candidate), whatever this
    /// process bound behind a NAT or a relay.
    advertised: SocketAddr,
    advertised_tcp: SocketAddr,
    /// The open ICE-TCP connections, by peer.
    tcp: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>,
    /// Bound to loopback: a datagram from anywhere else is dropped unread.
    loopback_only: bool,
    dialogue: Arc<Dialogue>,
    playing: BTreeMap<RoomId, Playback>,
    ringback: Tone,
    /// Calls transferred, waiting for the new agent's softphone: their
    /// customers hear the ringback.
    ringing: BTreeMap<RoomId, Looping>,
    /// Where each phone line's key presses and silence go, by room and role.
    lines: HashMap<(RoomId, LegRole), mpsc::UnboundedSender<LineEvent>>,
    /// Datagram read → its forwards sent; time inside the core.
    hops: Hops,
    /// Where what customers and agents say goes, off this thread.
    ears: Ears,
}

impl Owner {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<MediaRequest>, mut tcp: mpsc::Receiver<TcpEvent>) {
        let mut buf = vec![0u8; 2048];
        let mut next_frame = Instant::now() + FRAME;
        // One timer, moved each turn: a new one per turn is a timer-wheel
        // entry made and dropped for every datagram.
        let sleep = tokio::time::sleep_until(next_frame.into());
        tokio::pin!(sleep);
        loop {
            let deadline = self.sfu.poll_timeout().map_or(next_frame, |t| t.min(next_frame));
            sleep.as_mut().reset(deadline.into());
            tokio::select! {
                readable = self.socket.readable() => match readable {
                    Ok(()) => self.read_datagrams(&mut buf).await,
                    Err(e) => tracing::warn!("UDP socket failed: {e}"),
                },
                Some(event) = tcp.recv() => self.on_tcp(event),
                request = rx.recv() => match request {
                    Some(request) => self.on_request(request),
                    None => return,
                },
                _ = &mut sleep => {}
            }
            let now = Instant::now();
            if now >= next_frame {
                self.play(now);
                next_frame = now + FRAME;
            }
            self.sfu.handle_timeout(now);
            self.hops.core += now.elapsed(); // the simulator's audio and the timers
            self.flush().await;
        }
    }

    /// Reads every datagram waiting (up to [`READ_BATCH`]) in one wake-up,
    /// each forwarded before the next is read.
    async fn read_datagrams(&mut self, buf: &mut [u8]) {
        for _ in 0..READ_BATCH {
            match self.socket.try_recv_from(buf) {
                Ok((n, source)) => {
                    let read_at = Instant::now();
                    self.receive(Protocol::Udp, source, &buf[..n]);
                    if self.flush().await > 0 {
                        self.hops.record(read_at.elapsed());
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) => {
                    tracing::warn!("UDP receive failed: {e}");
                    return;
                }
            }
        }
    }

    /// A UDP datagram, or one TCP frame's packet, from `source`.
    fn receive(&mut self, proto: Protocol, source: SocketAddr, datagram: &[u8]) {
        if self.loopback_only && !source.ip().is_loopback() {
            tracing::debug!(%source, "dropped a datagram from off this machine");
            return;
        }
        let destination = if proto == Protocol::Tcp { self.advertised_tcp } else { self.advertised };
        let started = Instant::now();
        let owned = self.sfu.handle_receive(started, proto, source, destination, datagram);
        self.hops.core += started.elapsed();
        if !owned {
            tracing::debug!(%source, ?proto, "a packet no leg owns");
        }
    }

    fn on_tcp(&mut self, event: TcpEvent) {
        match event {
            TcpEvent::Opened { peer, frames } => {
                self.tcp.insert(peer, frames);
            }
            TcpEvent::Frame { peer, packet } => self.receive(Protocol::Tcp, peer, &packet),
            TcpEvent::Closed { peer } => {
                self.tcp.remove(&peer);
            }
        }
    }

    fn on_request(&mut self, request: MediaRequest) {
        let now = Instant::now();
        match request {
            MediaRequest::Effect(effect) => {
                match effect {
                    // A simulated call's agent is the recording, which plays on.
                    Effect::Transfer { room } if !self.playing.contains_key(&room) => {
                        self.ringing.insert(room, Looping::default());
                    }
                    Effect::Close { room } => {
                        self.playing.remove(&room);
                        self.ringing.remove(&room);
                        self.lines.retain(|&(line_room, _), _| line_room != room);
                    }
                    _ => {}
                }
                effect.apply(&mut self.sfu);
            }
            MediaRequest::Leave { room, role } => self.sfu.leave_role(room, role),
            MediaRequest::Join { room, role, holder, offer, reply } => {
                let answer = self.sfu.join_sdp(now, room, role, holder, &offer).map(|(_, answer)| answer).map_err(|e| refused(room, role, e));
                if answer.is_ok() && role == LegRole::Agent {
                    // The new agent answers: the ringback stops.
                    self.ringing.remove(&room);
                }
                let _ = reply.send(answer); // the asker may have gone
            }
            MediaRequest::JoinPhone { room, role, holder, line, events, reply } => {
                let joined = self.sfu.join_phone(now, room, role, holder, line).map_err(|e| refused(room, role, e));
                if joined.is_ok() {
                    if role == LegRole::Customer {
                        // Early media: the ringback, until an agent's softphone joins.
                        self.ringing.entry(room).or_default();
                    } else {
                        // The outside number answered, in the agent's seat.
                        self.ringing.remove(&room);
                    }
                    self.lines.insert((room, role), events);
                }
                let _ = reply.send(joined); // the asker may have gone
            }
            MediaRequest::SetLine { leg, line } => self.sfu.set_line(now, leg, line),
            MediaRequest::Simulate { room } => {
                self.playing.entry(room).or_insert_with(Playback::new);
            }
            MediaRequest::Hops { reply } => {
                let _ = reply.send(self.hops.clone()); // the asker may have gone
            }
            MediaRequest::Report { reply } => {
                let shard = self.shard;
                let reports = self
                    .sfu
                    .rooms()
                    .flat_map(|room| {
                        self.sfu.stats(room).into_iter().map(move |(role, connected, stats)| LegReport { room, shard, role, connected, stats })
                    })
                    .collect();
                let _ = reply.send(reports); // the asker may have gone
            }
        }
    }

    /// The simulated customer and agent speak their next 20 ms, and the
    /// ringback rings on as the agent.
    fn play(&mut self, now: Instant) {
        for (&room, playback) in self.playing.iter_mut() {
            if let Some((role, time, frame)) = playback.next_frames(&self.dialogue) {
                debug_assert!(role != LegRole::Coach, "the simulator never speaks as the coach");
                self.sfu.inject(now, room, role, time, frame);
            }
        }
        for (&room, looping) in self.ringing.iter_mut() {
            let (time, frame) = looping.next_frame(&self.ringback);
            self.sfu.inject(now, room, LegRole::Agent, time, frame);
        }
    }

    /// Sends every datagram the core has for the wire (and passes on what
    /// was said, for the listener); returns how many.
    async fn flush(&mut self) -> usize {
        while let Some(heard) = self.sfu.poll_heard() {
            self.ears.heard(heard);
        }
        while let Some(event) = self.sfu.poll_line_event() {
            let line = match event {
                LineEvent::Digit { room, role, .. } | LineEvent::Silent { room, role } => (room, role),
            };
            if let Some(events) = self.lines.get(&line) {
                let _ = events.send(event); // the call may be over
            }
        }
        let mut sent = 0;
        while let Some(t) = self.sfu.poll_transmit() {
            sent += 1;
            if t.proto == Protocol::Tcp {
                // A full queue or a closed connection loses the packet, as UDP would.
                if let Some(connection) = self.tcp.get(&t.destination) {
                    let _ = connection.try_send(t.contents);
                }
            } else if let Err(e) = self.socket.send_to(&t.contents, t.destination).await {
                tracing::debug!(destination = %t.destination, "UDP send failed: {e}");
            }
        }
        sent
    }
}

/// A join the SFU would not take, logged whole; what the joiner may read.
fn refused(room: RoomId, role: LegRole, e: JoinError) -> JoinRefused {
    tracing::info!(room = room.0, ?role, "{e}");
    match e {
        JoinError::NoSeat => JoinRefused::NoSeat,
        other => JoinRefused::Offer(other.for_client()),
    }
}
