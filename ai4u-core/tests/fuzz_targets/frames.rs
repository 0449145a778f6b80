//! The two framed readers against a reference parser of the whole stream.
//!
//! The first input byte seeds how the stream is served (read sizes, `Interrupted` errors for
//! the blocking reader, `Pending` and cancelled reads for the async one) and picks the
//! limits; the rest is the stream.

use super::TIGHT;
use ai4u_core::wire::{self, AsyncFrameReader, FrameReader, Limits, Message, WireError};
use std::future::Future;
use std::io::{self, Read};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// A tiny deterministic generator (xorshift), so a replayed input is served the same way.
struct Schedule(u32);

impl Schedule {
    fn new(seed: u8) -> Schedule {
        Schedule(0x9E37_79B9 ^ u32::from(seed).wrapping_mul(0x0101_0101) | 1)
    }
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    /// True once in `n` draws.
    fn one_in(&mut self, n: u32) -> bool {
        self.next() % n == 0
    }
    /// A read size from 1 to 64, mostly small so headers and bodies split anywhere.
    fn chunk(&mut self) -> usize {
        1 + (self.next() % if self.one_in(4) { 64 } else { 7 }) as usize
    }
}

/// What one read of the stream gave, in a form both readers and the reference share:
/// a message re-encoded (so NaNs compare), the clean end, or the error's text.
#[derive(Debug, PartialEq)]
enum Outcome {
    Message(Vec<u8>),
    End,
    Failed(String),
}

fn outcome(r: Result<Option<Message>, WireError>) -> Outcome {
    match r {
        Ok(Some(m)) => Outcome::Message(wire::encode_to_vec(&m)),
        Ok(None) => Outcome::End,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// The stream as the protocol defines it, parsed in one piece: frames until a clean end or
/// the first error (after which a server closes, so nothing later is compared).
fn reference(stream: &[u8], limits: &Limits) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let left = stream.len() - pos;
        if left == 0 {
            out.push(Outcome::End);
            return out;
        }
        let closed = |got, expected| Outcome::Failed(WireError::ClosedMidFrame { got, expected }.to_string());
        if left < 4 {
            out.push(closed(left, 4));
            return out;
        }
        let len = u32::from_le_bytes([stream[pos], stream[pos + 1], stream[pos + 2], stream[pos + 3]]);
        let refused = |e: wire::ProtocolError| Outcome::Failed(WireError::Protocol(e).to_string());
        if len == 0 {
            out.push(refused(wire::ProtocolError::EmptyFrame));
            return out;
        }
        if len > limits.max_frame_len {
            out.push(refused(wire::ProtocolError::FrameTooLarge { len: len.into(), max: limits.max_frame_len }));
            return out;
        }
        let len = len as usize;
        if left - 4 < len {
            out.push(closed(left - 4, len));
            return out;
        }
        let payload = &stream[pos + 4..pos + 4 + len];
        pos += 4 + len;
        match wire::decode(payload, limits) {
            Ok(m) => out.push(Outcome::Message(wire::encode_to_vec(&m))),
            Err(e) => {
                out.push(refused(e));
                return out;
            }
        }
    }
}

fn split(data: &[u8]) -> Option<(Schedule, Limits, &[u8])> {
    let (&seed, stream) = data.split_first()?;
    let limits = if seed & 1 == 0 { Limits::default() } else { TIGHT };
    Some((Schedule::new(seed), limits, stream))
}

/// Serves a byte slice in scheduled pieces, with an `Interrupted` error now and then.
struct Trickle<'a> {
    data: &'a [u8],
    schedule: Schedule,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.schedule.one_in(8) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = self.schedule.chunk().min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// [`FrameReader`] over a stream served in pieces reads what the reference reads.
pub fn frame_reader(data: &[u8]) {
    let Some((schedule, limits, stream)) = split(data) else { return };
    let expected = reference(stream, &limits);
    let mut r = FrameReader::new(Trickle { data: stream, schedule }, limits);
    let got: Vec<Outcome> = (0..expected.len()).map(|_| outcome(r.read_message())).collect();
    assert_eq!(got, expected);
}

/// Like [`Trickle`] for tokio: pieces, and `Pending` now and then.
struct AsyncTrickle<'a> {
    data: &'a [u8],
    schedule: Schedule,
}

impl tokio::io::AsyncRead for AsyncTrickle<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.schedule.one_in(3) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = self.schedule.chunk().min(buf.remaining()).min(self.data.len());
        buf.put_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Poll::Ready(Ok(()))
    }
}

fn noop_waker() -> Waker {
    const VTABLE: RawWakerVTable =
        RawWakerVTable::new(|_| RawWaker::new(std::ptr::null(), &VTABLE), |_| {}, |_| {}, |_| {});
    // SAFETY: every vtable function ignores the (null) data pointer.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// [`AsyncFrameReader`] reads what the reference reads even when `read_message` futures are
/// dropped while pending (as `tokio::select!` does): the reader is documented cancel-safe.
pub fn async_frame_reader(data: &[u8]) {
    let Some((schedule, limits, stream)) = split(data) else { return };
    let expected = reference(stream, &limits);
    let mut cancels = Schedule::new(data[0].rotate_left(3) ^ 0x5A);
    let mut r = AsyncFrameReader::new(AsyncTrickle { data: stream, schedule }, limits);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut got = Vec::new();
    // Every poll either moves bytes or returns Pending once in three, so this ends; the
    // bound only turns a reader that stops making progress into a clear failure.
    let mut polls = 0usize;
    let budget = 64 + stream.len() * 64;
    while got.len() < expected.len() {
        let result = loop {
            let mut fut = pin!(r.read_message());
            let ready = loop {
                polls += 1;
                assert!(polls < budget, "the async reader made no progress after {polls} polls");
                match fut.as_mut().poll(&mut cx) {
                    Poll::Ready(result) => break Some(result),
                    Poll::Pending if cancels.one_in(2) => break None,
                    Poll::Pending => {}
                }
            };
            if let Some(result) = ready {
                break result;
            }
        };
        got.push(outcome(result));
    }
    assert_eq!(got, expected);
}
