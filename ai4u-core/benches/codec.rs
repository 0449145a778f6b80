//! Encode + decode cost of typical messages, next to a plain memcpy of the same bytes.
//! `cargo bench -p ai4u-core --bench codec`; figures are recorded in docs/PERFORMANCE.md.

use ai4u_core::value::{Field, Image, Value};
use ai4u_core::wire::{self, AgentState, AgentStatus, Limits, Message, Tick};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn agent(id: usize, fields: Vec<Field>) -> AgentState {
    AgentState {
        id: id.to_string(),
        status: AgentStatus::Step,
        reward: -0.01,
        done: false,
        truncated: false,
        steps: 7,
        fields,
    }
}

fn cases() -> Vec<(&'static str, Message)> {
    let small = vec![Field::new("array", Value::floats((0..10).map(|i| i as f32 * 0.1).collect::<Vec<_>>()))];
    let image = vec![Field::new(
        "camera",
        Value::Image(Image::raw_u8(84, 84, 3, (0..84 * 84 * 3).map(|i| (i % 251) as u8).collect()).unwrap()),
    )];
    let samplescene = vec![
        Field::new("array", Value::floats(vec![0.5; 7])),
        Field::new("vision", Value::float_array(vec![10, 10, 1], vec![50.0; 100]).unwrap()),
    ];
    vec![
        ("state_10_floats", Message::Tick(Tick { seq: 1, agents: vec![agent(0, small)] })),
        ("state_image_84x84x3", Message::Tick(Tick { seq: 1, agents: vec![agent(0, image)] })),
        (
            "tick_64_samplescene_agents",
            Message::Tick(Tick { seq: 1, agents: (0..64).map(|i| agent(i, samplescene.clone())).collect() }),
        ),
    ]
}

fn codec(c: &mut Criterion) {
    let limits = Limits::default();
    for (name, msg) in cases() {
        let bytes = wire::encode_to_vec(&msg);
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        let mut buf = Vec::with_capacity(bytes.len() + 8);
        g.bench_function(BenchmarkId::new("encode", bytes.len()), |b| {
            b.iter(|| {
                buf.clear();
                wire::encode(black_box(&msg), &mut buf);
                black_box(buf.len())
            })
        });
        g.bench_function(BenchmarkId::new("decode", bytes.len()), |b| {
            b.iter(|| black_box(wire::decode(black_box(&bytes), &limits).unwrap()))
        });
        g.bench_function(BenchmarkId::new("encode+decode", bytes.len()), |b| {
            b.iter(|| {
                buf.clear();
                wire::encode(black_box(&msg), &mut buf);
                black_box(wire::decode(&buf, &limits).unwrap())
            })
        });
        // The floor: copying the payload into a fresh buffer, as any decode must.
        g.bench_function(BenchmarkId::new("memcpy", bytes.len()), |b| {
            b.iter(|| black_box(black_box(&bytes[..]).to_vec()))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = codec
}
criterion_main!(benches);
