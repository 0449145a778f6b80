//! The recorder against a real engine over loopback: a scripted engine with cameras sends
//! frames and scalars, the recording is loaded back and compared with what was sent.

mod camera_engine;

use ai4u_appserver::record::{Dataset, RecordError, RecordOptions, Recorder, Recording, Status};
use ai4u_appserver::{AppError, AppServer, ControllerHandle, Env};
use ai4u_controllers::GenericController;
use ai4u_core::spaces::{self, Sample};
use ai4u_core::value::{State, Value};
use camera_engine::{CameraConfig, Log};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ai4u-record-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

type Engine = std::thread::JoinHandle<Result<ai4u_core::engine::RunEnd, String>>;

fn start(cfg: CameraConfig) -> (Vec<ControllerHandle>, Arc<Mutex<Log>>, Engine) {
    let server = AppServer::builder().port(0).connect_timeout(Duration::from_secs(30)).bind().unwrap();
    let (log, engine) = camera_engine::spawn(server.local_addr().to_string(), cfg);
    let ids: Vec<String> = (0..cfg.agents).map(|i| format!("cam{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let controllers = ids.iter().map(|_| Box::new(GenericController::new()) as _).collect();
    (server.start(&ids, controllers).unwrap(), log, engine)
}

/// One step as the user saw it: the state the action was chosen on, and the answer.
#[derive(Debug, Clone)]
struct Truth {
    observation: State,
    action: Sample,
    reward: f32,
    terminated: bool,
    truncated: bool,
}

/// Runs `episodes` episodes of `env` with seeded random actions; returns what was seen.
fn drive(env: &mut impl Env, episodes: usize, max_steps: usize) -> Vec<Truth> {
    let mut rng = spaces::rng(5);
    let mut truth = Vec::new();
    for _ in 0..episodes {
        let (_, mut info) = env.reset(None, None).unwrap();
        for _ in 0..max_steps {
            let action = env.action_space().sample(&mut rng);
            let r = env.step(&action).unwrap();
            truth.push(Truth {
                observation: info.clone(),
                action,
                reward: r.reward,
                terminated: r.terminated,
                truncated: r.truncated,
            });
            let ended = r.ended();
            info = r.info;
            if ended {
                break;
            }
        }
    }
    truth
}

#[test]
fn a_recording_loads_back_as_what_was_sent() {
    let cfg = CameraConfig { agents: 1, width: 20, height: 12, stereo: true, done_after: 4 };
    let (handles, log, engine) = start(cfg);
    let dir = fresh_dir("roundtrip");
    let recorder = Recorder::create(&dir).unwrap();
    let mut env = Recording::new(handles[0].clone(), &recorder).unwrap();
    // Two episodes that terminate after 4 steps, then one cut short after 2.
    let mut truth = drive(&mut env, 2, 10);
    truth.extend(drive(&mut env, 1, 2));
    drop(env);
    let stats = recorder.finish().unwrap();
    assert_eq!(stats.rows, 5 + 5 + 3, "one row per state: 4 steps + the first state, twice, then 2 + 1");
    assert_eq!(stats.frames, 2 * stats.rows, "two cameras");

    let ds = Dataset::open(&dir).unwrap();
    assert_eq!(ds.manifest().status, Status::Interrupted, "the last episode was cut short");
    let statuses: Vec<Status> = ds.episodes().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Status::Terminated, Status::Terminated, Status::Interrupted]);
    let loaded: Vec<_> = ds.transitions().collect::<Result<_, _>>().unwrap();
    assert_eq!(loaded.len(), truth.len());
    for (i, (l, t)) in loaded.iter().zip(&truth).enumerate() {
        assert_eq!(l.observation, t.observation, "observation of transition {i}");
        assert_eq!(l.action, t.action, "action of transition {i}");
        assert_eq!(l.reward, t.reward, "reward of transition {i}");
        assert_eq!((l.terminated, l.truncated), (t.terminated, t.truncated), "flags of transition {i}");
        assert_eq!(l.agent, "cam0");
    }
    assert_eq!(loaded.iter().map(|t| t.episode).collect::<Vec<_>>(), [1, 1, 1, 1, 2, 2, 2, 2, 3, 3]);
    assert_eq!(loaded.iter().map(|t| t.step).collect::<Vec<_>>(), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);

    // The PNGs decode to the pixels the engine sent, and the actions are those it got.
    let log = log.lock().unwrap().clone();
    let sent = &log.states[0];
    let ep1 = dir.join("cam0/episode_0001");
    for (k, state) in sent.iter().take(5).enumerate() {
        for cam in ["left", "right"] {
            let Some(Value::Image(img)) = state.iter().find(|f| f.name == cam).map(|f| &f.value) else { panic!() };
            let png = std::fs::read(ep1.join(cam).join(format!("{k:06}.png"))).unwrap();
            let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!((info.width, info.height, info.color_type), (20, 12, png::ColorType::Rgb));
            assert_eq!(&buf[..info.buffer_size()], &img.data[..], "{cam} frame {k}");
        }
    }
    let got: Vec<Vec<f32>> = loaded.iter().map(|t| t.action.as_f32().unwrap().iter().copied().collect()).collect();
    assert_eq!(got, log.actions[0]);
    for t in &loaded {
        let a = t.action.as_f32().unwrap();
        assert_eq!(t.reward, camera_engine::reward([a[0], a[1]]));
    }

    // One CSV row per state, with the columns in the engine's field order.
    let csv = std::fs::read_to_string(ep1.join("steps.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "step,time,reward,terminated,truncated,speed,gear,pos[0],pos[1],label,left,right,action[0],action[1]"
    );
    assert_eq!(lines.len(), 1 + 5);
    assert!(lines[1].starts_with("0,"), "{}", lines[1]);
    assert!(lines[1].contains(",\"lap \"\"1\"\", sector 2\",left/000000.png,right/000000.png,"), "{}", lines[1]);
    assert!(lines[5].starts_with("4,") && lines[5].ends_with(",,"), "no action answers the last state: {}", lines[5]);
    assert!(lines[5].contains(",true,false,"), "the last row carries terminated: {}", lines[5]);
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn an_unwritable_folder_is_refused_naming_it() {
    let base = fresh_dir("unwritable");
    std::fs::create_dir_all(&base).unwrap();
    let file = base.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let target = file.join("rec");
    let err = Recorder::create(&target).unwrap_err();
    assert!(matches!(err, RecordError::Folder { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&target.display().to_string()) && text.contains("cannot record into"), "{text}");

    // A folder that already holds a recording is not overwritten.
    let dir = base.join("twice");
    drop(Recorder::create(&dir).unwrap());
    let err = Recorder::create(&dir).unwrap_err();
    assert!(err.to_string().contains("already holds a recording"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_stops_the_recording_with_an_error_naming_the_file() {
    let cfg = CameraConfig { agents: 1, width: 8, height: 8, stereo: false, done_after: 0 };
    let (handles, _log, engine) = start(cfg);
    let dir = fresh_dir("full");
    let recorder = Recorder::with_options(&dir, RecordOptions { queue: 4, ..RecordOptions::default() }).unwrap();
    // The episode's CSV is /dev/full, where every write fails with ENOSPC as on a full disk.
    let ep = dir.join("cam0/episode_0001");
    std::fs::create_dir_all(&ep).unwrap();
    std::os::unix::fs::symlink("/dev/full", ep.join("steps.csv")).unwrap();
    let mut env = Recording::new(handles[0].clone(), &recorder).unwrap();
    let mut failure = None;
    let first = env.reset(None, None).map(|_| ());
    let action = env.action_space().sample_seeded(1);
    for _ in 0..200 {
        if let Err(e) = recorder.flush() {
            failure = Some(e.to_string());
            break;
        }
        let _ = env.step(&action);
    }
    let _ = first;
    let text = failure.expect("the full disk is reported");
    assert!(text.contains("steps.csv") && text.contains("No space left on device"), "{text}");
    // From then on every recorded step says so too (the step itself was taken).
    match env.step(&action) {
        Err(AppError::Record(e)) => assert!(e.to_string().contains("No space left"), "{e}"),
        other => panic!("expected a recording error, got {other:?}"),
    }
    drop(env);
    assert!(recorder.finish().is_err());
    let ds = Dataset::open(&dir).unwrap();
    assert_eq!(ds.manifest().status, Status::Failed);
    assert!(ds.manifest().error.as_deref().unwrap_or("").contains("No space left"));
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_slow_disk_makes_steps_wait_and_says_so_without_losing_frames() {
    let cfg = CameraConfig { agents: 1, width: 64, height: 48, stereo: true, done_after: 0 };
    let (handles, _log, engine) = start(cfg);
    let dir = fresh_dir("slow");
    // A queue of one, the slowest compression, frames encoded on the recorder's own thread:
    // the step loop has to wait at times.
    let opts = RecordOptions { queue: 1, compression: png::Compression::High, encoders: 0 };
    let recorder = Recorder::with_options(&dir, opts).unwrap();
    let mut env = Recording::new(handles[0].clone(), &recorder).unwrap();
    let truth = drive(&mut env, 1, 30);
    drop(env);
    let stats = recorder.finish().unwrap();
    assert_eq!(stats.frames, 2 * 31, "every frame is written, however slow the disk");
    let ds = Dataset::open(&dir).unwrap();
    assert_eq!(ds.manifest().full_waits, stats.full_waits);
    assert_eq!(ds.transitions().count(), truth.len());
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_frame_that_cannot_be_written_fails_the_recording_naming_it() {
    let cfg = CameraConfig { agents: 1, width: 8, height: 8, stereo: false, done_after: 0 };
    let (handles, _log, engine) = start(cfg);
    let dir = fresh_dir("badframe");
    let recorder = Recorder::create(&dir).unwrap();
    // A folder where the third frame's temporary file goes: writing it fails (EISDIR).
    let blocker = dir.join("cam0/episode_0001/cam/000002.png.part");
    std::fs::create_dir_all(&blocker).unwrap();
    let mut env = Recording::new(handles[0].clone(), &recorder).unwrap();
    env.reset(None, None).unwrap();
    let action = env.action_space().sample_seeded(1);
    for _ in 0..5 {
        let _ = env.step(&action);
    }
    let err = recorder.flush().unwrap_err().to_string();
    assert!(err.contains("000002.png.part"), "{err}");
    drop(env);
    assert!(recorder.finish().is_err());
    let ds = Dataset::open(&dir).unwrap();
    assert_eq!(ds.manifest().status, Status::Failed);
    assert!(dir.join("cam0/episode_0001/cam/000001.png").is_file(), "frames before the failure stay");
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

/// A user's own env with no engine behind it and an empty info: the observation's Dict
/// entries are recorded instead (a `[h, w, 3]` u8 array as a camera).
struct OwnEnv {
    step: u8,
    action_space: ai4u_core::spaces::Space,
    observation_space: ai4u_core::spaces::Space,
}

impl OwnEnv {
    fn obs(&self) -> Sample {
        let frame = ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[4, 6, 3]), |i| (i[0] * 18 + i[1] * 3 + i[2]) as u8);
        let frame = frame.mapv(|x| x.wrapping_add(self.step));
        Sample::dict([
            ("camera", Sample::U8(frame)),
            ("speed", Sample::F32(ndarray::arr0(self.step as f32).into_dyn())),
        ])
    }
}

impl Env for OwnEnv {
    fn reset(
        &mut self,
        _: Option<u64>,
        _: Option<Vec<ai4u_core::value::Field>>,
    ) -> ai4u_appserver::Result<(Sample, State)> {
        self.step = 0;
        Ok((self.obs(), State::new()))
    }
    fn step(&mut self, _: &Sample) -> ai4u_appserver::Result<ai4u_appserver::StepResult> {
        self.step += 1;
        Ok(ai4u_appserver::StepResult {
            obs: self.obs(),
            reward: self.step as f32,
            terminated: self.step == 3,
            truncated: false,
            info: State::new(),
        })
    }
    fn action_space(&self) -> &ai4u_core::spaces::Space {
        &self.action_space
    }
    fn observation_space(&self) -> &ai4u_core::spaces::Space {
        &self.observation_space
    }
    fn close(&mut self) -> ai4u_appserver::Result<()> {
        Ok(())
    }
}

#[test]
fn an_env_without_info_is_recorded_from_its_observations() {
    use ai4u_core::spaces::{DictSpace, Discrete, Space};
    let observation_space: Space = DictSpace::new(Vec::<(String, Space)>::new()).unwrap().into();
    let env = OwnEnv { step: 0, action_space: Discrete::new(3).unwrap().into(), observation_space };
    let dir = fresh_dir("own-env");
    let recorder = Recorder::create(&dir).unwrap();
    let mut env = Recording::named(env, &recorder, "my agent/1").unwrap();
    env.reset(None, None).unwrap();
    let mut sent = Vec::new();
    for a in [2i64, 0, 1] {
        sent.push(env.inner().obs());
        env.step(&Sample::scalar_i64(a)).unwrap();
    }
    drop(env);
    recorder.finish().unwrap();
    let ds = Dataset::open(&dir).unwrap();
    let loaded: Vec<_> = ds.transitions().collect::<Result<_, _>>().unwrap();
    assert_eq!(loaded.len(), 3);
    assert_eq!(loaded[0].agent, "my agent/1");
    assert!(dir.join("my_agent_1/episode_0001/camera/000003.png").is_file(), "the folder name is made safe");
    for (t, (obs, a)) in loaded.iter().zip(sent.iter().zip([2i64, 0, 1])) {
        assert_eq!(t.action, Sample::scalar_i64(a), "a Discrete action is one column and loads back as one");
        let Some(Value::Image(img)) = t.observation.get("camera") else { panic!("{:?}", t.observation) };
        assert_eq!((img.height, img.width, img.channels), (4, 6, 3));
        assert_eq!(&img.data[..], obs.get("camera").unwrap().as_u8().unwrap().as_slice().unwrap());
    }
    assert!(loaded[2].terminated);
    let csv = std::fs::read_to_string(dir.join("my_agent_1/episode_0001/steps.csv")).unwrap();
    assert_eq!(csv.lines().next().unwrap(), "step,time,reward,terminated,truncated,camera,speed,action");
}
