//! Constant-rate (open-loop) HTTP/1.1 load generator for `bench/web/run.sh`.
//!
//! wrk is closed-loop: each connection waits for its response before sending the next request,
//! so it cannot hold a fixed rate, and its latencies leave out the time a request would have
//! waited behind a slow one ("coordinated omission"). This client sends request `i` at the
//! intended time `t0 + i / rate` whatever happened before, over a pool of keep-alive
//! connections (a request waits for a free connection when all are busy), and measures each
//! latency from the *intended* send time to the end of the response. Only a 200 counts as a
//! success. It replaces `openloop.py`, which could not hold more than about 8,000 req/s on two
//! cores. The timer wakes at most once a millisecond, so requests due within the same
//! millisecond leave together and a request may be counted up to 1 ms late: latencies are
//! over-stated by at most that much, never under-stated.
//!
//! Usage: `openloop --url http://127.0.0.1:PORT/path --rate 5000 --duration 10
//!         [--conns 64] [--header 'Cookie: a=b'] [--warmup 1]`
//!
//! Prints one line: `OPENLOOP rate=... achieved=... n=... errors=... p50_ms=... p90_ms=...
//! p99_ms=... p999_ms=... max_ms=...`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

type Conn = BufReader<TcpStream>;

struct Args {
    host: String,
    port: u16,
    path: String,
    rate: f64,
    duration: f64,
    warmup: f64,
    conns: usize,
    headers: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut url = None;
    let mut a = Args {
        host: String::new(),
        port: 80,
        path: "/".into(),
        rate: 0.0,
        duration: 10.0,
        warmup: 1.0,
        conns: 64,
        headers: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let v = it.next().ok_or_else(|| format!("{k} needs a value"))?;
        let num = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("{k}: not a number: {v}"))
        };
        match k.as_str() {
            "--url" => url = Some(v),
            "--rate" => a.rate = num(&v)?,
            "--duration" => a.duration = num(&v)?,
            "--warmup" => a.warmup = num(&v)?,
            "--conns" => a.conns = num(&v)? as usize,
            "--header" => a.headers.push(v),
            _ => return Err(format!("unknown option {k}")),
        }
    }
    let url = url.ok_or("--url is required")?;
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// URLs (loopback) are supported")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().map_err(|_| "bad port")?),
        None => (authority, 80),
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err("loopback targets only".into());
    }
    if a.rate <= 0.0 || a.conns == 0 {
        return Err("--rate and --conns must be positive".into());
    }
    a.host = host.to_owned();
    a.port = port;
    a.path = path.to_owned();
    Ok(a)
}

/// Reads one HTTP/1.1 response; returns its status code.
async fn read_response(r: &mut Conn) -> std::io::Result<u16> {
    let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
    let mut line = String::new();
    r.read_line(&mut line).await?;
    let status: u16 = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("status line"))?;
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Err(bad("eof in headers"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "content-length" {
                length = v.trim().parse().map_err(|_| bad("content-length"))?;
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    let mut sink = Vec::new();
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| bad("chunk size"))?;
            sink.resize(size + 2, 0);
            r.read_exact(&mut sink).await?;
            if size == 0 {
                break;
            }
        }
    } else {
        sink.resize(length, 0);
        r.read_exact(&mut sink).await?;
    }
    Ok(status)
}

#[derive(Default)]
struct Tally {
    lat: Vec<f64>,
    errors: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("openloop: {e}");
            std::process::exit(2);
        }
    };
    let addr = format!("{}:{}", a.host, a.port);
    let mut req = format!("GET {} HTTP/1.1\r\nHost: {addr}\r\n", a.path);
    for h in &a.headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    let req: Arc<[u8]> = req.into_bytes().into();

    let mut idle = Vec::with_capacity(a.conns);
    for _ in 0..a.conns {
        match TcpStream::connect(&addr).await {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                idle.push(BufReader::new(s));
            }
            Err(e) => {
                eprintln!("openloop: cannot connect to {addr}: {e}");
                std::process::exit(1);
            }
        }
    }
    let idle = Arc::new(Mutex::new(idle));
    let free = Arc::new(Semaphore::new(a.conns));
    let tally = Arc::new(Mutex::new(Tally::default()));

    let total = (a.rate * (a.warmup + a.duration)) as u64;
    let t0 = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let offset = i as f64 / a.rate;
        let intended = t0 + Duration::from_secs_f64(offset);
        if intended > Instant::now() {
            tokio::time::sleep_until(intended.into()).await;
        }
        let record = offset >= a.warmup;
        let (idle, free, tally, req, addr) = (
            idle.clone(),
            free.clone(),
            tally.clone(),
            req.clone(),
            addr.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let Ok(_permit) = free.acquire().await else {
                return;
            };
            let conn = idle.lock().ok().and_then(|mut v| v.pop());
            let Some(mut conn) = conn else { return };
            let ok = match conn.get_mut().write_all(&req).await {
                Ok(()) => matches!(read_response(&mut conn).await, Ok(200)),
                Err(_) => false,
            };
            let done = Instant::now();
            if !ok {
                // The connection may be mid-response: replace it.
                if let Ok(s) = TcpStream::connect(&addr).await {
                    let _ = s.set_nodelay(true);
                    conn = BufReader::new(s);
                }
            }
            if let Ok(mut v) = idle.lock() {
                v.push(conn);
            }
            if record && let Ok(mut t) = tally.lock() {
                if ok {
                    t.lat.push((done - intended).as_secs_f64());
                } else {
                    t.errors += 1;
                }
            }
        }));
    }
    let send_end = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    let Ok(mut t) = tally.lock() else { return };
    let errors = t.errors;
    let lat = &mut t.lat;
    lat.sort_by(f64::total_cmp);
    let n = lat.len();
    let pct = |p: f64| {
        if n == 0 {
            f64::NAN
        } else {
            lat[((p / 100.0 * n as f64) as usize).min(n - 1)] * 1000.0
        }
    };
    let window = (send_end - (t0 + Duration::from_secs_f64(a.warmup)))
        .as_secs_f64()
        .max(1e-9);
    println!(
        "OPENLOOP rate={:.0} achieved={:.0} n={n} errors={errors} p50_ms={:.2} p90_ms={:.2} p99_ms={:.2} p999_ms={:.2} max_ms={:.2}",
        a.rate,
        (n + errors) as f64 / window,
        pct(50.0),
        pct(90.0),
        pct(99.0),
        pct(99.9),
        lat.last().map_or(f64::NAN, |x| x * 1000.0),
    );
}
