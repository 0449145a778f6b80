//! The decoder never allocates by an untrusted length: peak memory while decoding any
//! payload stays within a small multiple of the payload itself. Measured with a counting
//! global allocator, which is why this file is its own test binary.

use ai4u_core::wire::{decode, encode_to_vec, FrameReader, Limits, Message};
use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: delegates to the system allocator; only adds thread-local bookkeeping, which
// does not allocate (const-initialised Cells).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let _ = LIVE.try_with(|l| {
                l.set(l.get() + layout.size());
                let _ = PEAK.try_with(|p| p.set(p.get().max(l.get())));
            });
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(layout.size())));
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak bytes allocated (above what was live before) while running `f`.
fn peak_of(f: impl FnOnce()) -> usize {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    f();
    PEAK.with(Cell::get) - base
}

/// Every container holds at most ~20 bytes of Rust structure per wire byte it consumed
/// (the smallest field encodes in 13 bytes and occupies 80 in memory), nested at most a
/// few deep; 64x plus a constant is a generous, still meaningful, bound.
fn bound(payload: usize) -> usize {
    64 * payload + 4096
}

#[test]
fn claimed_lengths_cost_nothing() {
    // Tick claiming 4096 agents (the limit) in a 20-byte payload.
    let mut p = vec![3, 0, 0, 0];
    p.extend_from_slice(&0u64.to_le_bytes());
    p.extend_from_slice(&4096u64.to_le_bytes());
    let peak = peak_of(|| {
        assert!(decode(&p, &Limits::default()).is_err());
    });
    assert!(peak <= bound(p.len()), "peak {peak}");
    // A frame header claiming 60 MiB followed by 100 bytes.
    let mut s = (60u32 << 20).to_le_bytes().to_vec();
    s.extend_from_slice(&[0; 100]);
    let peak = peak_of(|| {
        let mut r = FrameReader::new(&s[..], Limits::default());
        assert!(r.read_message().is_err());
    });
    assert!(peak <= 256 * 1024, "peak {peak}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoding_arbitrary_bytes_stays_within_the_bound(bytes in proptest::collection::vec(any::<u8>(), 1..400)) {
        let peak = peak_of(|| { let _ = decode(&bytes, &Limits::default()); });
        prop_assert!(peak <= bound(bytes.len()), "peak {} for {} bytes", peak, bytes.len());
    }

    #[test]
    fn decoding_mutated_messages_stays_within_the_bound(seq in any::<u64>(), n in 0usize..20, at in any::<prop::sample::Index>(), b in any::<u8>()) {
        let m = Message::Tick(ai4u_core::wire::Tick {
            seq,
            agents: (0..n).map(|i| ai4u_core::wire::AgentState {
                id: i.to_string(),
                status: ai4u_core::wire::AgentStatus::Step,
                reward: 0.0,
                done: false,
                truncated: false,
                steps: 1,
                fields: vec![ai4u_core::value::Field::new("x", ai4u_core::value::Value::floats(vec![1.0; 3]))],
            }).collect(),
        });
        let mut bytes = encode_to_vec(&m);
        let i = at.index(bytes.len());
        bytes[i] = b;
        let peak = peak_of(|| { let _ = decode(&bytes, &Limits::default()); });
        prop_assert!(peak <= bound(bytes.len()), "peak {} for {} bytes", peak, bytes.len());
    }
}
