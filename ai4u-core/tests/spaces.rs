//! Integration tests of `ai4u_core::spaces` through its public API: validation,
//! membership of samples, flattening, JSON and seeding, with property tests over random
//! spaces and seeds.

use ai4u_core::spaces::{
    self, flatdim, flatten, flatten_space, unflatten, BoxSpace, DType, DictSpace, Discrete, MultiBinary, MultiDiscrete,
    Sample, Space, SpaceError, TextSpace, TupleSpace,
};
use ndarray::{arr1, arr2, Array1, ArrayD, IxDyn};
use proptest::prelude::*;

fn boxed(low: f64, high: f64, shape: &[usize], dtype: DType) -> Space {
    BoxSpace::uniform(low, high, shape, dtype).unwrap().into()
}

fn discrete(n: i64) -> Space {
    Discrete::new(n).unwrap().into()
}

// ---------------------------------------------------------------------------------
// Random spaces for the property tests.

const INF: f64 = f64::INFINITY;

/// One Box element's bounds: `kind` picks bounded / below only / above only /
/// unbounded; `a` and `width` place them.
fn element_bounds(dtype: DType, kind: u8, a: i32, width: u16) -> (f64, f64) {
    let width = f64::from(width);
    let (lo, hi) = match dtype {
        // Arbitrary decimals, so the float32 rounding of bounds is exercised.
        DType::F32 => {
            let lo = f64::from(a) * 0.37;
            (lo, lo + width * 0.61)
        }
        // Short decimals: see `json_floats_are_exact` for why.
        DType::F64 => (f64::from(a) / 8.0, f64::from(a) / 8.0 + width / 4.0),
        DType::U8 => {
            let lo = f64::from(a.rem_euclid(200));
            (lo, (lo + width).min(255.0))
        }
        DType::I32 | DType::I64 => (f64::from(a), f64::from(a) + width),
    };
    // Unsigned dtypes cannot be unbounded below.
    let kind = if dtype == DType::U8 { kind % 2 } else { kind };
    match kind {
        0 => (lo, hi),
        1 => (lo, INF),
        2 => (-INF, hi),
        _ => (-INF, INF),
    }
}

fn box_strategy() -> impl Strategy<Value = Space> {
    let dtype = prop::sample::select(DType::ALL.to_vec());
    let shape = prop::collection::vec(0usize..4, 0..3);
    (dtype, shape).prop_flat_map(|(dtype, shape)| {
        let n: usize = shape.iter().product();
        let elems = prop::collection::vec((0u8..4, -100i32..100, 0u16..50), n);
        elems.prop_map(move |elems| {
            let (low, high): (Vec<f64>, Vec<f64>) =
                elems.into_iter().map(|(k, a, w)| element_bounds(dtype, k, a, w)).unzip();
            let low = ArrayD::from_shape_vec(IxDyn(&shape), low).unwrap();
            let high = ArrayD::from_shape_vec(IxDyn(&shape), high).unwrap();
            Space::from(BoxSpace::new(low, high, dtype).unwrap())
        })
    })
}

fn leaf_strategy() -> impl Strategy<Value = Space> {
    let discrete = (1i64..10, -5i64..5).prop_map(|(n, start)| Space::from(Discrete::with_start(n, start).unwrap()));
    let multi_discrete = prop::collection::vec(1usize..3, 0..3).prop_flat_map(|shape| {
        let n: usize = shape.iter().product();
        (prop::collection::vec(1i64..5, n), prop::collection::vec(-3i64..3, n)).prop_map(move |(nvec, start)| {
            let nvec = ArrayD::from_shape_vec(IxDyn(&shape), nvec).unwrap();
            let start = ArrayD::from_shape_vec(IxDyn(&shape), start).unwrap();
            Space::from(MultiDiscrete::with_start(nvec, start).unwrap())
        })
    });
    let multi_binary =
        prop::collection::vec(1usize..4, 1..3).prop_map(|shape| Space::from(MultiBinary::with_shape(&shape).unwrap()));
    let text = (0usize..3, 0usize..5, prop::sample::subsequence(vec!['a', 'b', 'z', '0', 'é', '日', ' '], 1..=7))
        .prop_map(|(min, extra, charset)| Space::from(TextSpace::with_charset(min, min + extra, charset).unwrap()));
    prop_oneof![box_strategy(), discrete, multi_discrete, multi_binary, text]
}

fn space_strategy() -> impl Strategy<Value = Space> {
    leaf_strategy().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| Space::from(TupleSpace::new(v))),
            prop::collection::btree_map("[a-d]{1,2}", inner.clone(), 0..4)
                .prop_map(|m| Space::from(DictSpace::new(m).unwrap())),
            // Insertion order differs from key order: flattening must follow the space.
            prop::collection::btree_map("[a-d]{1,2}", inner, 0..4)
                .prop_map(|m| { Space::from(DictSpace::from_ordered(m.into_iter().rev()).unwrap()) }),
        ]
    })
}

/// Whether serde_json parses 17-digit floats exactly, which takes its
/// `float_roundtrip` feature. Without it a float64 with 16-17 significant digits can come
/// back an ulp away; the formats here do not work around that.
fn json_floats_are_exact() -> bool {
    let x = 10.969999999999999_f64;
    serde_json::from_str::<f64>(&serde_json::to_string(&x).unwrap()).unwrap() == x
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_space_contains_its_samples(space in space_strategy(), seed in any::<u64>()) {
        let mut rng = spaces::rng(seed);
        for _ in 0..4 {
            let x = space.sample(&mut rng);
            prop_assert!(space.contains(&x), "{:?} not in {}", x, space);
        }
    }

    #[test]
    fn flatten_round_trips(space in space_strategy(), seed in any::<u64>()) {
        let x = space.sample_seeded(seed);
        let flat = flatten(&space, &x).unwrap();
        prop_assert_eq!(flat.len(), flatdim(&space).unwrap());
        let back = unflatten(&space, &flat).unwrap();
        prop_assert_eq!(&back, &x);
        prop_assert!(space.contains(&back));
        // The flat vector lies in flatten_space, once cast to its dtype.
        let fb = flatten_space(&space).unwrap();
        prop_assert_eq!(fb.shape(), &[flat.len()][..]);
        let cast = fb.cast(&flat).unwrap();
        prop_assert!(fb.contains(&cast), "{:?} not in {}", cast, fb);
    }

    #[test]
    fn json_round_trips(space in space_strategy(), seed in any::<u64>()) {
        let json = serde_json::to_string(&space).unwrap();
        let back: Space = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &space);
        let x = space.sample_seeded(seed);
        let xs: Sample = serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap();
        if json_floats_are_exact() {
            prop_assert_eq!(xs, x);
        } else {
            // Only float64 values may move, by an ulp; everything else is exact.
            prop_assert!(space.contains(&xs));
            let (a, b) = (flatten(&space, &x).unwrap(), flatten(&space, &xs).unwrap());
            for (u, v) in a.iter().zip(&b) {
                prop_assert!((u - v).abs() <= u.abs() * 1e-15, "{} vs {}", u, v);
            }
        }
    }

    #[test]
    fn same_seed_same_samples(space in space_strategy(), seed in any::<u64>()) {
        let mut a = spaces::rng(seed);
        let mut b = spaces::rng(seed);
        for _ in 0..3 {
            prop_assert_eq!(space.sample(&mut a), space.sample(&mut b));
        }
        prop_assert_eq!(space.sample_seeded(seed), space.sample_seeded(seed));
    }

    #[test]
    fn box_contains_exactly_its_bounds(
        low in -50i32..50, width in 0i32..20, value in -80i32..80,
    ) {
        let (lo, hi) = (f64::from(low), f64::from(low + width));
        let inside = low <= value && value <= low + width;
        let ints = BoxSpace::uniform(lo, hi, &[1], DType::I32).unwrap();
        prop_assert_eq!(ints.contains(&Sample::from(arr1(&[value]).into_dyn())), inside);
        let floats = BoxSpace::uniform(lo, hi, &[1], DType::F32).unwrap();
        prop_assert_eq!(floats.contains(&Sample::from(arr1(&[value as f32]).into_dyn())), inside);
    }
}

// ---------------------------------------------------------------------------------
// Validation.

fn message<T: std::fmt::Debug>(r: Result<T, SpaceError>) -> String {
    r.expect_err("should be refused").to_string()
}

#[test]
fn ill_formed_spaces_are_refused_with_their_reason() {
    let a = |v: &[f64]| arr1(v).into_dyn();
    assert_eq!(message(BoxSpace::new(a(&[0.0, 2.0]), a(&[1.0, 1.0]), DType::F32)), "Box low 2 > high 1 at index [1]");
    assert_eq!(
        message(BoxSpace::with_shape(a(&[0.0; 2]), a(&[1.0; 2]), &[3], DType::F64)),
        "Box shape [3] does not match low shape [2]"
    );
    assert_eq!(
        message(BoxSpace::new(arr2(&[[0.0, 0.0]]).into_dyn(), arr2(&[[1.0], [1.0]]).into_dyn(), DType::F64)),
        "Box low shape [1, 2] does not match high shape [2, 1]"
    );
    assert_eq!(
        message(BoxSpace::uniform(-INF, 0.0, &[1], DType::U8)),
        "Box low -inf at index [0] is out of range for dtype uint8"
    );
    assert_eq!(message(Discrete::new(0)), "Discrete n must be > 0, got 0");
    assert_eq!(message(Discrete::new(-2)), "Discrete n must be > 0, got -2");
    assert_eq!(
        message(MultiDiscrete::new(arr2(&[[1, 2], [3, -1]]).into_dyn())),
        "MultiDiscrete nvec must be > 0, got -1 at index [1, 1]"
    );
    assert_eq!(message(MultiBinary::new(0)), "MultiBinary shape dimensions must be > 0, got [0]");
    assert_eq!(message(TextSpace::with_charset(4, 2, vec!['a'])), "Text min_length 4 > max_length 2");
    assert!(TextSpace::new(0).is_err());
    assert_eq!(
        message(DictSpace::from_ordered([("x", discrete(2)), ("x", discrete(2))])),
        "Dict has duplicate key \"x\""
    );
}

// ---------------------------------------------------------------------------------
// Gymnasium's flatten semantics.

#[test]
fn flatdim_matches_gymnasium() {
    let dict = Space::from(DictSpace::new([("a", discrete(3)), ("b", boxed(0.0, 1.0, &[2], DType::F32))]).unwrap());
    assert_eq!(flatdim(&dict).unwrap(), 5);
    let md = MultiDiscrete::new(arr1(&[2, 3, 4]).into_dyn()).unwrap();
    assert_eq!(flatdim(&md.into()).unwrap(), 9);
    assert_eq!(flatdim(&MultiBinary::with_shape(&[2, 3]).unwrap().into()).unwrap(), 6);
    assert_eq!(flatdim(&TextSpace::new(10).unwrap().into()).unwrap(), 10);
    assert_eq!(flatdim(&boxed(0.0, 1.0, &[], DType::F64)).unwrap(), 1);
    assert_eq!(flatdim(&boxed(0.0, 1.0, &[3, 0], DType::F64)).unwrap(), 0);
    let tuple = Space::from(TupleSpace::new(vec![discrete(2), boxed(0.0, 1.0, &[2, 3], DType::F64), dict]));
    assert_eq!(flatdim(&tuple).unwrap(), 13);
    assert_eq!(tuple.flatdim().unwrap(), 13);
}

#[test]
fn flatten_layout_matches_gymnasium() {
    // gymnasium: flatten(Dict(a=Discrete(3), b=Box(0, 1, (2,))), {"a": 1, "b": [.5, .25]})
    //   == [0, 1, 0, 0.5, 0.25]
    let dict = Space::from(DictSpace::new([("b", boxed(0.0, 1.0, &[2], DType::F32)), ("a", discrete(3))]).unwrap());
    let x = Sample::dict([("a", Sample::scalar_i64(1)), ("b", Sample::from(arr1(&[0.5f32, 0.25]).into_dyn()))]);
    assert!(dict.contains(&x));
    assert_eq!(flatten(&dict, &x).unwrap(), arr1(&[0.0, 1.0, 0.0, 0.5, 0.25]));
    let fb = flatten_space(&dict).unwrap();
    assert_eq!(fb.dtype(), DType::F64); // result_type(int64, float32)
    assert_eq!(fb.low(), &arr1(&[0.0; 5]).into_dyn());
    assert_eq!(fb.high(), &arr1(&[1.0; 5]).into_dyn());
}

#[test]
fn flatten_refuses_samples_that_do_not_belong() {
    let space = Space::from(TupleSpace::new(vec![discrete(3), boxed(0.0, 1.0, &[2], DType::F32)]));
    let good = Sample::Tuple(vec![Sample::scalar_i64(0), Sample::from(arr1(&[0.0f32, 1.0]).into_dyn())]);
    assert!(flatten(&space, &good).is_ok());
    let wrong_shape = Sample::Tuple(vec![Sample::scalar_i64(0), Sample::from(arr1(&[0.0f32]).into_dyn())]);
    let err = flatten(&space, &wrong_shape).unwrap_err().to_string();
    assert!(err.contains("shape [1] instead of [2]"), "{err}");
    let out_of_range = Sample::Tuple(vec![Sample::scalar_i64(7), Sample::from(arr1(&[0.0f32, 1.0]).into_dyn())]);
    let err = flatten(&space, &out_of_range).unwrap_err().to_string();
    assert!(err.contains("value 7 is outside 0..3"), "{err}");
    assert!(flatten(&space, &Sample::from("text")).is_err());
    assert!(flatten(&space, &Sample::scalar_i64(0)).is_err());
    let err = unflatten(&space, &Array1::zeros(4)).unwrap_err().to_string();
    assert!(err.contains("has flatdim 5"), "{err}");
}

// ---------------------------------------------------------------------------------
// JSON.

#[test]
fn json_keeps_infinite_bounds_and_dict_order() {
    let space =
        Space::from(DictSpace::from_ordered([("z", boxed(-INF, INF, &[2], DType::F64)), ("a", discrete(2))]).unwrap());
    let json = serde_json::to_string(&space).unwrap();
    assert!(json.contains(r#""low":["-inf","-inf"]"#), "{json}");
    assert!(json.find("\"z\"") < json.find("\"a\""), "{json}");
    assert_eq!(serde_json::from_str::<Space>(&json).unwrap(), space);
}

#[test]
fn invalid_json_spaces_are_refused() {
    let cases = [
        (r#"{"type":"Box","shape":[1],"low":[2.0],"high":[1.0],"dtype":"float32"}"#, "Box low 2 > high 1 at index [0]"),
        (
            r#"{"type":"Box","shape":[2],"low":[0.0],"high":[1.0, 1.0],"dtype":"float32"}"#,
            "Box low has 1 values but shape [2] needs 2",
        ),
        (r#"{"type":"Box","shape":[1],"low":[0.5],"high":[1.0],"dtype":"int64"}"#, "is not an integer"),
        (r#"{"type":"Discrete","n":0}"#, "Discrete n must be > 0"),
        (r#"{"type":"MultiDiscrete","shape":[2],"nvec":[2,0]}"#, "MultiDiscrete nvec must be > 0"),
        (r#"{"type":"MultiBinary","shape":[0]}"#, "MultiBinary shape"),
        (r#"{"type":"Text","min_length":3,"max_length":1}"#, "Text min_length 3 > max_length 1"),
        (r#"{"type":"Dict","spaces":{"a":{"type":"Discrete","n":2},"a":{"type":"Discrete","n":3}}}"#, "duplicate key"),
        // A bad subspace deep inside is caught as well.
        (
            r#"{"type":"Tuple","spaces":[{"type":"Dict","spaces":{"a":{"type":"Discrete","n":-1}}}]}"#,
            "Discrete n must be > 0",
        ),
        (r#"{"type":"Sequence","n":1}"#, "unknown variant"),
    ];
    for (json, expected) in cases {
        let err = serde_json::from_str::<Space>(json).expect_err(json).to_string();
        assert!(err.contains(expected), "{json}: {err}");
    }
    let ok: Space = serde_json::from_str(r#"{"type":"Text","max_length":4}"#).unwrap();
    assert_eq!(ok, TextSpace::new(4).unwrap().into());
}

// ---------------------------------------------------------------------------------
// Seeding and sampling distributions.

#[test]
fn seeds_give_reproducible_and_distinct_streams() {
    let space = boxed(-1.0, 1.0, &[64], DType::F64);
    assert_eq!(space.sample_seeded(11), space.sample_seeded(11));
    assert_ne!(space.sample_seeded(11), space.sample_seeded(12));
    let mut rng = spaces::rng(11);
    let first = space.sample(&mut rng);
    assert_eq!(first, space.sample_seeded(11));
    assert_ne!(space.sample(&mut rng), first);
}

/// Mean and standard deviation of `n` draws of a one-element F64 Box.
fn moments(low: f64, high: f64, n: usize) -> (f64, f64) {
    let space = BoxSpace::uniform(low, high, &[n], DType::F64).unwrap();
    let x = space.sample(&mut spaces::rng(99));
    let v = x.as_f64().unwrap();
    let mean = v.mean().unwrap();
    let var = v.mapv(|a| (a - mean).powi(2)).mean().unwrap();
    (mean, var.sqrt())
}

#[test]
fn box_sampling_follows_gymnasium_distributions() {
    let n = 20_000;
    // Bounded: uniform on [2, 4): mean 3, sd 2/sqrt(12).
    let (m, s) = moments(2.0, 4.0, n);
    assert!((m - 3.0).abs() < 0.03 && (s - 0.577).abs() < 0.02, "{m} {s}");
    // Unbounded: standard normal.
    let (m, s) = moments(-INF, INF, n);
    assert!(m.abs() < 0.03 && (s - 1.0).abs() < 0.03, "{m} {s}");
    // Bounded below: low + Exp(1), mean low + 1, sd 1.
    let (m, s) = moments(5.0, INF, n);
    assert!((m - 6.0).abs() < 0.03 && (s - 1.0).abs() < 0.04, "{m} {s}");
    // Bounded above: high - Exp(1).
    let (m, _) = moments(-INF, -5.0, n);
    assert!((m + 6.0).abs() < 0.03, "{m}");
}

#[test]
fn integer_box_sampling_is_uniform_over_the_closed_interval() {
    let space = BoxSpace::uniform(-2.0, 2.0, &[10_000], DType::I32).unwrap();
    let x = space.sample(&mut spaces::rng(3));
    let v = x.as_i32().unwrap();
    for k in -2..=2 {
        let count = v.iter().filter(|&&a| a == k).count();
        assert!((1800..2200).contains(&count), "{k}: {count}");
    }
}

#[test]
fn discrete_samples_are_scalar_int64() {
    let space = Space::from(Discrete::with_start(5, 10).unwrap());
    let x = space.sample_seeded(0);
    assert_eq!(x.dtype(), Some(DType::I64));
    assert_eq!(x.shape(), Some(&[][..]));
    assert!((10..15).contains(&x.as_scalar_i64().unwrap()));
    assert_eq!(space.flatten(&x).unwrap().sum(), 1.0);
}
