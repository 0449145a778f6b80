//! The golden vectors: every message kind and every value type, edge cases included.
//! `tests/vectors/` at the repo root holds their bytes (`NAME.bin`) and a readable
//! description (`NAME.json`); the Rust, C# and GDScript suites all check against them.
//! Regenerate with `AI4U_BLESS=1 cargo test -p ai4u-core --test golden` (then review the diff).

use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::value::{Field, Image, ImageEncoding, PixelType, Value, ValueKind};
use ai4u_core::wire::*;

pub struct Vector {
    pub name: &'static str,
    pub note: &'static str,
    pub msg: Message,
}

fn v(name: &'static str, note: &'static str, msg: Message) -> Vector {
    Vector { name, note, msg }
}

/// A tick carrying one agent whose only field is `v`: the frame for single-value vectors.
fn value_tick(value: Value) -> Message {
    Message::Tick(Tick {
        seq: 1,
        agents: vec![AgentState {
            id: "0".into(),
            status: AgentStatus::Step,
            reward: 0.5,
            done: false,
            truncated: false,
            steps: 3,
            fields: vec![Field::new("v", value)],
        }],
    })
}

pub fn samplescene_metadata() -> ModelMetadata {
    ModelMetadata {
        inputs: vec![
            InputSpec {
                name: "array".into(),
                kind: ValueKind::FloatArray,
                shape: vec![7],
                range_min: -1.0,
                range_max: 1.0,
            },
            InputSpec {
                name: "vision".into(),
                kind: ValueKind::FloatArray,
                shape: vec![10, 10, 1],
                range_min: 0.0,
                range_max: 255.0,
            },
        ],
        outputs: vec![OutputSpec {
            name: "move".into(),
            continuous: true,
            shape: vec![4],
            range_min: vec![-1.0, -1.0, 0.0, 0.0],
            range_max: vec![1.0, 1.0, 1.0, 1.0],
        }],
    }
}

pub fn all() -> Vec<Vector> {
    let vision: Vec<f32> = (0..100).map(|i| [0.0, 50.0, 100.0, 200.0][i % 4]).collect();
    vec![
        v(
            "hello_minimal",
            "Hello: no token, lockstep, one agent with empty metadata.",
            Message::Hello(Hello {
                magic: MAGIC,
                version: 2,
                engine: "ai4u-sim".into(),
                engine_version: "0.1.0".into(),
                token: None,
                mode: Mode::Lockstep,
                agents: vec![AgentInfo { id: "0".into(), max_steps: 0, metadata: ModelMetadata::default() }],
            }),
        ),
        v(
            "hello_samplescene",
            "Hello: token, realtime, two SampleScene agents with full metadata (max_steps 3000).",
            Message::Hello(Hello {
                magic: MAGIC,
                version: 2,
                engine: "unity".into(),
                engine_version: "2022.3.1f1".into(),
                token: Some("s3cret".into()),
                mode: Mode::Realtime,
                agents: vec![
                    AgentInfo { id: "0".into(), max_steps: 3000, metadata: samplescene_metadata() },
                    AgentInfo { id: "1".into(), max_steps: 3000, metadata: samplescene_metadata() },
                ],
            }),
        ),
        v(
            "welcome",
            "Welcome: version 2, lockstep, one agent configured with a max_steps override.",
            Message::Welcome(Welcome {
                version: 2,
                mode: Mode::Lockstep,
                agents: vec![AgentConfig { id: "0".into(), fields: vec![Field::new("max_steps", 500i64)] }],
            }),
        ),
        v("reject", "Reject with a reason.", Message::Reject { reason: "wrong token".into() }),
        v("tick_empty", "Tick with no agents (seq 0).", Message::Tick(Tick { seq: 0, agents: vec![] })),
        v(
            "tick_samplescene",
            "Tick: one SampleScene agent after a step: array (7 floats) and vision (10x10x1 floats).",
            Message::Tick(Tick {
                seq: 42,
                agents: vec![AgentState {
                    id: "0".into(),
                    status: AgentStatus::Step,
                    reward: -0.01,
                    done: false,
                    truncated: false,
                    steps: 12,
                    fields: vec![
                        Field::new("array", Value::floats(vec![0.5, -0.25, 1.0, 0.1, 0.0, 0.0, 0.0])),
                        Field::new("vision", Value::float_array(vec![10, 10, 1], vision).unwrap()),
                    ],
                }],
            }),
        ),
        v(
            "tick_multi",
            "Tick: four agents, one per status; agent 1 terminated, agent 2 truncated.",
            Message::Tick(Tick {
                seq: u64::MAX - 1,
                agents: vec![
                    AgentState {
                        id: "a0".into(),
                        status: AgentStatus::Idle,
                        reward: 0.0,
                        done: false,
                        truncated: false,
                        steps: 0,
                        fields: vec![],
                    },
                    AgentState {
                        id: "a1".into(),
                        status: AgentStatus::Step,
                        reward: 10.0,
                        done: true,
                        truncated: false,
                        steps: 77,
                        fields: vec![Field::new("touched", true)],
                    },
                    AgentState {
                        id: "a2".into(),
                        status: AgentStatus::Step,
                        reward: -0.01,
                        done: false,
                        truncated: true,
                        steps: 3000,
                        fields: vec![],
                    },
                    AgentState {
                        id: "a3".into(),
                        status: AgentStatus::NewEpisode,
                        reward: 0.0,
                        done: false,
                        truncated: false,
                        steps: 0,
                        fields: vec![Field::new("seed", 7i64)],
                    },
                ],
            }),
        ),
        v(
            "tick_paused",
            "Tick: one paused agent.",
            Message::Tick(Tick {
                seq: 5,
                agents: vec![AgentState {
                    id: "0".into(),
                    status: AgentStatus::Paused,
                    reward: 0.0,
                    done: false,
                    truncated: false,
                    steps: 4,
                    fields: vec![],
                }],
            }),
        ),
        v(
            "reply_move",
            "Reply: one `move` action with a float array [1, 0.5, 0, 0].",
            Message::Reply(Reply {
                seq: 42,
                commands: vec![AgentCommand {
                    id: "0".into(),
                    command: Command::act("move", vec![1.0, 0.5, 0.0, 0.0]),
                }],
            }),
        ),
        v(
            "reply_all_commands",
            "Reply: every command kind; the act has scalar args and a named field, the reset a seed.",
            Message::Reply(Reply {
                seq: 9,
                commands: vec![
                    AgentCommand {
                        id: "0".into(),
                        command: Command::Act {
                            name: "drive".into(),
                            args: vec![Value::Float(0.25), Value::Int(-3), Value::Bool(true)],
                            fields: vec![Field::new("gear", 2i64)],
                        },
                    },
                    AgentCommand {
                        id: "1".into(),
                        command: Command::Reset { fields: vec![Field::new("seed", 1234i64)] },
                    },
                    AgentCommand { id: "2".into(), command: Command::Wait },
                    AgentCommand { id: "3".into(), command: Command::Pause },
                    AgentCommand { id: "4".into(), command: Command::Resume },
                    AgentCommand { id: "5".into(), command: Command::Stop },
                ],
            }),
        ),
        v("bye", "Bye with a reason.", Message::Bye { reason: "scene closed".into() }),
        v("error", "Error with a reason.", Message::Error { reason: "unknown agent id `9`".into() }),
        v("value_float", "A float field: -0.01.", value_tick(Value::Float(-0.01))),
        v("value_float_nan", "A float field: NaN (quiet NaN 0x7fc00000).", value_tick(Value::Float(f32::NAN))),
        v("value_int", "An int field: i64::MIN.", value_tick(Value::Int(i64::MIN))),
        v("value_bool", "A bool field: true.", value_tick(Value::Bool(true))),
        v(
            "value_string_unicode",
            "A string field with non-ASCII text.",
            value_tick(Value::String("ação → 智能 🤖".into())),
        ),
        v("value_string_empty", "An empty string field.", value_tick(Value::String(String::new()))),
        v("value_bytes", "A bytes field: 0x00..0xff (256 bytes).", value_tick(Value::Bytes((0..=255).collect()))),
        v("value_bytes_empty", "An empty bytes field.", value_tick(Value::Bytes(vec![]))),
        v(
            "value_float_array_special",
            "A float array [6]: NaN, +inf, -inf, -0.0, f32::MIN_POSITIVE, f32::MAX.",
            value_tick(Value::floats(vec![
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                -0.0,
                f32::MIN_POSITIVE,
                f32::MAX,
            ])),
        ),
        v("value_float_array_empty", "An empty float array, shape [0].", value_tick(Value::floats(vec![]))),
        v(
            "value_float_array_scalar",
            "A rank-0 float array (shape [], one element 3.5).",
            value_tick(Value::float_array(vec![], vec![3.5]).unwrap()),
        ),
        v(
            "value_int_array",
            "An int array of shape [2, 3]: [[1, -2, 3], [i32::MIN, 0, i32::MAX]].",
            value_tick(Value::int_array(vec![2, 3], vec![1, -2, 3, i32::MIN, 0, i32::MAX]).unwrap()),
        ),
        v(
            "value_image_raw",
            "A raw u8 RGB image 4 wide, 3 high (36 bytes, byte i = i * 7 mod 256).",
            value_tick(Value::Image(
                Image::raw_u8(4, 3, 3, (0..36u32).map(|i| (i * 7 % 256) as u8).collect()).unwrap(),
            )),
        ),
        v(
            "value_image_f32",
            "A raw f32 grayscale image 2x2: [0, 0.25, 0.5, 1] as little-endian f32 bytes.",
            value_tick(Value::Image(Image {
                width: 2,
                height: 2,
                channels: 1,
                pixel: PixelType::F32,
                encoding: ImageEncoding::Raw,
                data: [0.0f32, 0.25, 0.5, 1.0].iter().flat_map(|x| x.to_le_bytes()).collect(),
            })),
        ),
        v(
            "value_image_png",
            "A PNG-encoded 1x1 RGB image (a complete, valid PNG file).",
            value_tick(Value::Image(Image {
                width: 1,
                height: 1,
                channels: 3,
                pixel: PixelType::U8,
                encoding: ImageEncoding::Png,
                data: PNG_1X1_RED.to_vec(),
            })),
        ),
        v(
            "name_max",
            "A field whose name is the biggest allowed by default: 256 UTF-8 bytes (128 x 'é').",
            value_tick_named("é".repeat(128), Value::Int(1)),
        ),
    ]
}

fn value_tick_named(name: String, value: Value) -> Message {
    let mut m = value_tick(value);
    if let Message::Tick(t) = &mut m {
        t.agents[0].fields[0].name = name;
    }
    m
}

/// A 1x1 red PNG (69 bytes).
const PNG_1X1_RED: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef,
    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
