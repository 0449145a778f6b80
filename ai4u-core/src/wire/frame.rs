//! Length-prefixed framing over blocking and async streams.
//!
//! Readers keep one payload buffer for the life of the connection and grow it only as
//! bytes actually arrive, so a header that claims 64 MiB costs nothing until 64 MiB come.
//! Writers keep one encode buffer. In steady state neither allocates per frame.

use super::codec::{self, Limits, ProtocolError};
use super::message::Message;
use std::io::{self, Read, Write};

/// Growth step while a large frame arrives.
const CHUNK: usize = 64 * 1024;

/// A failure on a framed connection.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Reading or writing the stream failed (reset, broken pipe, or a timeout: see [`WireError::is_timeout`]).
    #[error("connection I/O failed: {0}")]
    Io(#[from] io::Error),
    /// The bytes arrived but are not a valid frame or message; the peer should get an Error and a close.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// The peer closed the stream inside a frame's header or payload (a clean close happens between frames).
    #[error("connection closed in the middle of a frame ({got} of {expected} bytes)")]
    ClosedMidFrame {
        /// Bytes of the header or payload received before the close.
        got: usize,
        /// Bytes it should have had: 4 for the header, the announced length for the payload.
        expected: usize,
    },
}

impl WireError {
    /// True for a timeout on a socket with a read or write timeout set.
    pub fn is_timeout(&self) -> bool {
        matches!(self, WireError::Io(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
    }
}

fn check_header(header: [u8; 4], limits: &Limits) -> Result<usize, ProtocolError> {
    let len = u32::from_le_bytes(header);
    if len == 0 {
        return Err(ProtocolError::EmptyFrame);
    }
    if len > limits.max_frame_len {
        return Err(ProtocolError::FrameTooLarge { len: len as u64, max: limits.max_frame_len });
    }
    Ok(len as usize)
}

/// Reads frames from a blocking stream.
pub struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    limits: Limits,
}

impl<R: Read> FrameReader<R> {
    /// A reader over `inner` that refuses frames and messages beyond `limits`. Allocates nothing yet.
    pub fn new(inner: R, limits: Limits) -> Self {
        FrameReader { inner, buf: Vec::new(), limits }
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The underlying stream, mutably (to set timeouts, say); reading from it directly desynchronises the framing.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Reads one frame's payload. `Ok(None)` is a clean end of stream between frames.
    pub fn read_frame(&mut self) -> Result<Option<&[u8]>, WireError> {
        let mut header = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match self.inner.read(&mut header[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(WireError::ClosedMidFrame { got, expected: 4 }),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
        let len = check_header(header, &self.limits)?;
        self.buf.clear();
        let mut got = 0;
        while got < len {
            let want = (len - got).min(CHUNK.max(self.buf.capacity() - got));
            self.buf.resize(got + want, 0);
            match self.inner.read(&mut self.buf[got..got + want]) {
                Ok(0) => return Err(WireError::ClosedMidFrame { got, expected: len }),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
            self.buf.truncate(got);
        }
        Ok(Some(&self.buf[..len]))
    }

    /// Reads and decodes one message. `Ok(None)` is a clean end of stream.
    pub fn read_message(&mut self) -> Result<Option<Message>, WireError> {
        let limits = self.limits;
        match self.read_frame()? {
            None => Ok(None),
            Some(payload) => Ok(Some(codec::decode(payload, &limits)?)),
        }
    }
}

/// Writes frames to a blocking stream.
pub struct FrameWriter<W> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> FrameWriter<W> {
    /// A writer over `inner`. Allocates nothing yet.
    pub fn new(inner: W) -> Self {
        FrameWriter { inner, buf: Vec::new() }
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The underlying stream, mutably; writing to it directly corrupts the framing.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Encodes `msg` as one frame, writes it in a single `write_all` and flushes.
    pub fn write_message(&mut self, msg: &Message) -> Result<(), WireError> {
        self.buf.clear();
        codec::encode_frame(msg, &mut self.buf);
        self.inner.write_all(&self.buf)?;
        self.inner.flush()?;
        Ok(())
    }
}

#[cfg(feature = "tokio")]
mod asynchronous {
    use super::*;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

    /// Reads frames from an async stream.
    ///
    /// Cancel-safe: progress through a frame lives in the reader, not in the future, so a
    /// `read_message` dropped by `tokio::select!` loses nothing and the next call resumes.
    pub struct AsyncFrameReader<R> {
        inner: R,
        buf: Vec<u8>,
        limits: Limits,
        header: [u8; 4],
        header_got: usize,
        /// Payload length once the header is complete.
        body_len: Option<usize>,
        body_got: usize,
    }

    impl<R: AsyncRead + Unpin> AsyncFrameReader<R> {
        /// A reader over `inner` that refuses frames and messages beyond `limits`. Allocates nothing yet.
        pub fn new(inner: R, limits: Limits) -> Self {
            AsyncFrameReader {
                inner,
                buf: Vec::new(),
                limits,
                header: [0; 4],
                header_got: 0,
                body_len: None,
                body_got: 0,
            }
        }

        /// The limits this reader enforces.
        pub fn limits(&self) -> &Limits {
            &self.limits
        }

        /// Enforces `limits` from the next frame on (a server reads a stranger's Hello under
        /// tighter limits than an accepted engine's ticks).
        pub fn set_limits(&mut self, limits: Limits) {
            self.limits = limits;
        }

        /// Reads one frame's payload. `Ok(None)` is a clean end of stream between frames.
        pub async fn read_frame(&mut self) -> Result<Option<&[u8]>, WireError> {
            while self.body_len.is_none() {
                let got = self.header_got;
                match self.inner.read(&mut self.header[got..]).await? {
                    0 if got == 0 => return Ok(None),
                    0 => return Err(WireError::ClosedMidFrame { got, expected: 4 }),
                    n => self.header_got += n,
                }
                if self.header_got == 4 {
                    self.header_got = 0;
                    self.body_len = Some(check_header(self.header, &self.limits)?);
                    self.body_got = 0;
                    self.buf.clear();
                }
            }
            let len = self.body_len.unwrap_or(0);
            while self.body_got < len {
                let got = self.body_got;
                let want = (len - got).min(CHUNK.max(self.buf.capacity() - got));
                if self.buf.len() < got + want {
                    self.buf.resize(got + want, 0);
                }
                match self.inner.read(&mut self.buf[got..got + want]).await? {
                    0 => return Err(WireError::ClosedMidFrame { got, expected: len }),
                    n => self.body_got += n,
                }
            }
            self.body_len = None;
            Ok(Some(&self.buf[..len]))
        }

        /// Reads and decodes one message. `Ok(None)` is a clean end of stream.
        pub async fn read_message(&mut self) -> Result<Option<Message>, WireError> {
            let limits = self.limits;
            match self.read_frame().await? {
                None => Ok(None),
                Some(payload) => Ok(Some(codec::decode(payload, &limits)?)),
            }
        }
    }

    /// Writes frames to an async stream.
    pub struct AsyncFrameWriter<W> {
        inner: W,
        buf: Vec<u8>,
    }

    impl<W: AsyncWrite + Unpin> AsyncFrameWriter<W> {
        /// A writer over `inner`. Allocates nothing yet.
        pub fn new(inner: W) -> Self {
            AsyncFrameWriter { inner, buf: Vec::new() }
        }

        /// Encodes `msg` as one frame, writes it and flushes.
        pub async fn write_message(&mut self, msg: &Message) -> Result<(), WireError> {
            self.buf.clear();
            codec::encode_frame(msg, &mut self.buf);
            self.inner.write_all(&self.buf).await?;
            self.inner.flush().await?;
            Ok(())
        }

        /// Shuts the stream down for writing (a TCP FIN), so the peer reads a clean end of stream.
        pub async fn shutdown(&mut self) -> Result<(), WireError> {
            self.inner.shutdown().await?;
            Ok(())
        }
    }
}

#[cfg(feature = "tokio")]
pub use asynchronous::{AsyncFrameReader, AsyncFrameWriter};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_was_written_and_ends_cleanly() {
        let mut w = FrameWriter::new(Vec::new());
        w.write_message(&Message::Bye { reason: "a".into() }).unwrap();
        w.write_message(&Message::Error { reason: "b".into() }).unwrap();
        let bytes = w.get_ref().clone();
        let mut r = FrameReader::new(&bytes[..], Limits::default());
        assert_eq!(r.read_message().unwrap(), Some(Message::Bye { reason: "a".into() }));
        assert_eq!(r.read_message().unwrap(), Some(Message::Error { reason: "b".into() }));
        assert_eq!(r.read_message().unwrap(), None);
    }

    #[test]
    fn oversized_header_is_refused_without_reading_the_body() {
        let limits = Limits { max_frame_len: 100, ..Limits::default() };
        let bytes = 101u32.to_le_bytes();
        let mut r = FrameReader::new(&bytes[..], limits);
        let e = r.read_message().unwrap_err();
        assert_eq!(e.to_string(), "protocol error: frame of 101 bytes exceeds the limit of 100 bytes");
        assert_eq!(r.buf.capacity(), 0);
    }

    #[test]
    fn a_claimed_large_frame_only_costs_what_arrives() {
        let mut bytes = (60u32 << 20).to_le_bytes().to_vec();
        bytes.extend_from_slice(&[0; 10]);
        let mut r = FrameReader::new(&bytes[..], Limits::default());
        let e = r.read_message().unwrap_err();
        assert!(matches!(e, WireError::ClosedMidFrame { got: 10, .. }), "{e}");
        assert!(r.buf.capacity() <= CHUNK * 2, "capacity {}", r.buf.capacity());
    }

    #[test]
    fn truncated_header_is_an_error_not_eof() {
        let mut r = FrameReader::new(&[1u8, 0][..], Limits::default());
        assert!(matches!(r.read_message(), Err(WireError::ClosedMidFrame { got: 2, expected: 4 })));
    }
}
