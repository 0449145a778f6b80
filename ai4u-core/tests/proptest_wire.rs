//! Property tests of the codec: arbitrary messages round-trip and match bincode byte for
//! byte; arbitrary bytes never panic the decoder or the framed readers.

use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::value::{Field, Image, ImageEncoding, PixelType, Value, ValueKind};
use ai4u_core::wire::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_]{0,12}", "\\PC{0,8}"].prop_filter("fits the name limit", |s| s.len() <= 256)
}

fn shape_and_len() -> impl Strategy<Value = (Vec<u32>, usize)> {
    vec(0u32..5, 0..4).prop_map(|s| {
        let n = s.iter().map(|&d| d as usize).product();
        (s, n)
    })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<f32>().prop_map(Value::Float),
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
        "\\PC{0,20}".prop_map(Value::String),
        vec(any::<u8>(), 0..64).prop_map(Value::Bytes),
        shape_and_len().prop_flat_map(
            |(s, n)| vec(any::<f32>(), n).prop_map(move |d| { Value::FloatArray { shape: s.clone(), data: d } })
        ),
        shape_and_len().prop_flat_map(
            |(s, n)| vec(any::<i32>(), n).prop_map(move |d| { Value::IntArray { shape: s.clone(), data: d } })
        ),
        (1u32..5, 1u32..5, 1u32..4, any::<bool>()).prop_flat_map(|(w, h, c, f32px)| {
            let px = if f32px { PixelType::F32 } else { PixelType::U8 };
            let n = (w * h * c) as usize * px.size();
            vec(any::<u8>(), n).prop_map(move |data| {
                Value::Image(Image { width: w, height: h, channels: c, pixel: px, encoding: ImageEncoding::Raw, data })
            })
        }),
        vec(any::<u8>(), 0..32).prop_map(|data| Value::Image(Image {
            width: 7,
            height: 3,
            channels: 4,
            pixel: PixelType::U8,
            encoding: ImageEncoding::Png,
            data
        })),
    ]
}

fn fields() -> impl Strategy<Value = Vec<Field>> {
    vec((name(), value()).prop_map(|(name, value)| Field { name, value }), 0..4)
}

fn metadata() -> impl Strategy<Value = ModelMetadata> {
    let input =
        (name(), 0u32..8, vec(0u32..9, 0..3), any::<f32>(), any::<f32>()).prop_map(|(name, k, shape, lo, hi)| {
            InputSpec { name, kind: ValueKind::from_tag(k).unwrap(), shape, range_min: lo, range_max: hi }
        });
    let output = (name(), any::<bool>(), vec(0u32..9, 0..3), vec(any::<f32>(), 0..4), vec(any::<f32>(), 0..4))
        .prop_map(|(name, continuous, shape, range_min, range_max)| OutputSpec {
            name,
            continuous,
            shape,
            range_min,
            range_max,
        });
    (vec(input, 0..3), vec(output, 0..3)).prop_map(|(inputs, outputs)| ModelMetadata { inputs, outputs })
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Lockstep), Just(Mode::Realtime)]
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (name(), vec(value(), 0..3), fields()).prop_map(|(name, args, fields)| Command::Act { name, args, fields }),
        fields().prop_map(|fields| Command::Reset { fields }),
        Just(Command::Wait),
        Just(Command::Pause),
        Just(Command::Resume),
        Just(Command::Stop),
    ]
}

fn status() -> impl Strategy<Value = AgentStatus> {
    prop_oneof![
        Just(AgentStatus::Idle),
        Just(AgentStatus::NewEpisode),
        Just(AgentStatus::Step),
        Just(AgentStatus::Paused)
    ]
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (
            any::<u32>(),
            any::<u16>(),
            "\\PC{0,10}",
            "\\PC{0,10}",
            proptest::option::of("\\PC{0,10}"),
            mode(),
            vec((name(), any::<u32>(), metadata()), 0..3)
        )
            .prop_map(|(magic, version, engine, engine_version, token, mode, agents)| Message::Hello(Hello {
                magic,
                version,
                engine,
                engine_version,
                token,
                mode,
                agents: agents
                    .into_iter()
                    .map(|(id, max_steps, metadata)| AgentInfo { id, max_steps, metadata })
                    .collect(),
            })),
        (any::<u16>(), mode(), vec((name(), fields()), 0..3)).prop_map(|(version, mode, agents)| Message::Welcome(
            Welcome {
                version,
                mode,
                agents: agents.into_iter().map(|(id, fields)| AgentConfig { id, fields }).collect(),
            }
        )),
        "\\PC{0,30}".prop_map(|reason| Message::Reject { reason }),
        (
            any::<u64>(),
            vec((name(), status(), any::<f32>(), any::<bool>(), any::<bool>(), any::<u32>(), fields()), 0..4)
        )
            .prop_map(|(seq, agents)| Message::Tick(Tick {
                seq,
                agents: agents
                    .into_iter()
                    .map(|(id, status, reward, done, truncated, steps, fields)| AgentState {
                        id,
                        status,
                        reward,
                        done,
                        truncated,
                        steps,
                        fields
                    })
                    .collect(),
            })),
        (any::<u64>(), vec((name(), command()), 0..4)).prop_map(|(seq, cmds)| Message::Reply(Reply {
            seq,
            commands: cmds.into_iter().map(|(id, command)| AgentCommand { id, command }).collect(),
        })),
        "\\PC{0,30}".prop_map(|reason| Message::Bye { reason }),
        "\\PC{0,30}".prop_map(|reason| Message::Error { reason }),
    ]
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_fixed_int_encoding().with_little_endian()
}

/// NaN-tolerant equality through Debug.
fn same(a: &Message, b: &Message) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn messages_round_trip_and_match_bincode(m in message()) {
        let bytes = encode_to_vec(&m);
        let back = decode(&bytes, &Limits::default()).unwrap();
        prop_assert!(same(&back, &m));
        let reference = bincode::serde::encode_to_vec(&m, bincode_config()).unwrap();
        prop_assert_eq!(&bytes, &reference);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes, &Limits::default());
    }

    #[test]
    fn mutated_messages_never_panic_the_decoder(m in message(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = encode_to_vec(&m);
        if !bytes.is_empty() {
            for (i, b) in flips {
                let at = i.index(bytes.len());
                bytes[at] = b;
            }
        }
        let _ = decode(&bytes, &Limits::default());
    }

    #[test]
    fn arbitrary_streams_never_panic_the_framed_reader(bytes in vec(any::<u8>(), 0..1024)) {
        let mut r = FrameReader::new(&bytes[..], Limits { max_frame_len: 4096, ..Limits::default() });
        for _ in 0..64 {
            match r.read_message() {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => break,
            }
        }
    }

    #[test]
    fn arbitrary_streams_never_panic_the_async_reader(bytes in vec(any::<u8>(), 0..1024)) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut r = AsyncFrameReader::new(&bytes[..], Limits { max_frame_len: 4096, ..Limits::default() });
            for _ in 0..64 {
                match r.read_message().await {
                    Ok(Some(_)) => continue,
                    Ok(None) | Err(_) => break,
                }
            }
        });
    }

    #[test]
    fn framed_stream_of_many_messages_reads_back(ms in vec(message(), 0..6)) {
        let mut w = FrameWriter::new(Vec::new());
        for m in &ms {
            w.write_message(m).unwrap();
        }
        let bytes = w.get_ref().clone();
        let mut r = FrameReader::new(&bytes[..], Limits::default());
        for m in &ms {
            let got = r.read_message().unwrap().unwrap();
            prop_assert!(same(&got, m));
        }
        prop_assert!(r.read_message().unwrap().is_none());
    }
}
