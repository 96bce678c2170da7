//! A small SMTP server on 127.0.0.1 for delivery tests: it speaks enough of RFC 5321 for a real client
//! (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps every message it
//! accepts, and can be told to answer one step of the next transactions with a failure reply.
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Where in a mail transaction a failure reply is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    MailFrom,
    RcptTo,
    /// After the message's data, instead of accepting it.
    EndOfData,
}

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message as sent (headers and body), dot-unstuffed.
    pub data: String,
}

impl Received {
    /// The first header called `name` (unfolded), e.g. `header("Message-ID")`.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default().replace("\r\n ", " ").replace("\r\n\t", " ");
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    faults: VecDeque<(Step, String)>,
    connections: usize,
}

/// The running server; it stops when the test ends.
#[derive(Clone)]
pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP listener");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let accepting = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                accepting.lock().unwrap().connections += 1;
                tokio::spawn(session(stream, accepting.clone()));
            }
        });
        Self { addr, shared }
    }

    /// `smtp://127.0.0.1:<port>`: plain SMTP, for `PORTAL_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The next transaction that reaches `step` gets `reply` (e.g. `451 4.3.0 try later`) there. Queued
    /// faults are used in order, one per transaction.
    pub fn fail_next(&self, step: Step, reply: &str) {
        self.shared.lock().unwrap().faults.push_back((step, reply.to_owned()));
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    pub fn connections(&self) -> usize {
        self.shared.lock().unwrap().connections
    }
}

fn fault_at(shared: &Mutex<Shared>, step: Step) -> Option<String> {
    let mut shared = shared.lock().unwrap();
    if shared.faults.front().is_some_and(|(s, _)| *s == step) {
        shared.faults.pop_front().map(|(_, reply)| reply)
    } else {
        None
    }
}

async fn session(stream: TcpStream, shared: Arc<Mutex<Shared>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 smtp.test ESMTP ready\r\n").await?;
    let mut mail_from = None::<String>;
    let mut rcpt_to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => "250-smtp.test greets you\r\n250-8BITMIME\r\n250 SMTPUTF8".to_owned(),
            "HELO" | "NOOP" => "250 OK".to_owned(),
            "RSET" => {
                (mail_from, rcpt_to) = (None, Vec::new());
                "250 OK".to_owned()
            }
            "MAIL" => match fault_at(&shared, Step::MailFrom) {
                Some(reply) => reply,
                None => {
                    mail_from = Some(address(&command));
                    rcpt_to.clear();
                    "250 2.1.0 OK".to_owned()
                }
            },
            "RCPT" if mail_from.is_none() => "503 5.5.1 MAIL first".to_owned(),
            "RCPT" => match fault_at(&shared, Step::RcptTo) {
                Some(reply) => reply,
                None => {
                    rcpt_to.push(address(&command));
                    "250 2.1.5 OK".to_owned()
                }
            },
            "DATA" if rcpt_to.is_empty() => "503 5.5.1 RCPT first".to_owned(),
            "DATA" => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let reply = match fault_at(&shared, Step::EndOfData) {
                    Some(reply) => reply,
                    None => {
                        let message = Received {
                            mail_from: mail_from.clone().unwrap_or_default(),
                            rcpt_to: rcpt_to.clone(),
                            data,
                        };
                        let mut shared = shared.lock().unwrap();
                        shared.received.push(message);
                        format!("250 2.0.0 OK queued as {}", shared.received.len())
                    }
                };
                (mail_from, rcpt_to) = (None, Vec::new());
                reply
            }
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 Command not recognised".to_owned(),
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

/// The address in `MAIL FROM:<a@b> SIZE=…` or `RCPT TO:<a@b>`.
fn address(command: &str) -> String {
    let start = command.find('<').map(|i| i + 1).unwrap_or(0);
    let end = command[start..].find('>').map(|i| start + i).unwrap_or(command.len());
    command[start..end].to_owned()
}
