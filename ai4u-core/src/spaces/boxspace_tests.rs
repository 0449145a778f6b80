//! Unit tests of [`BoxSpace`], kept apart to keep `boxspace.rs` short.

use super::boxspace::shape_repr;
use super::{BoxSpace, DType, Result, Sample};
use ndarray::arr1;

fn err(r: Result<BoxSpace>) -> String {
    r.expect_err("should be refused").to_string()
}

#[test]
fn ill_formed_boxes_are_refused_with_their_reason() {
    let a = |v: &[f64]| arr1(v).into_dyn();
    assert_eq!(err(BoxSpace::new(a(&[2.0]), a(&[1.0]), DType::F32)), "Box low 2 > high 1 at index [0]");
    assert_eq!(
        err(BoxSpace::new(a(&[0.0, 0.0]), a(&[1.0]), DType::F64)),
        "Box low shape [2] does not match high shape [1]"
    );
    assert_eq!(
        err(BoxSpace::with_shape(a(&[0.0, 0.0]), a(&[1.0; 3]), &[3], DType::F64)),
        "Box shape [3] does not match low shape [2]"
    );
    assert_eq!(err(BoxSpace::uniform(f64::NAN, 1.0, &[1], DType::F64)), "Box low is NaN at index [0]");
    assert_eq!(
        err(BoxSpace::uniform(0.5, 3.0, &[2], DType::I32)),
        "Box low 0.5 at index [0] is not an integer, as dtype int32 requires"
    );
    assert_eq!(
        err(BoxSpace::uniform(0.0, 256.0, &[1], DType::U8)),
        "Box high 256 at index [0] is out of range for dtype uint8"
    );
    assert!(BoxSpace::uniform(f64::NEG_INFINITY, 3.0, &[1], DType::U8).is_err());
    assert!(BoxSpace::uniform(f64::INFINITY, f64::INFINITY, &[1], DType::F64).is_err());
    assert!(BoxSpace::uniform(0.0, 1e300, &[1], DType::F32).is_err());
    assert!(BoxSpace::uniform(0.0, 9.3e18, &[1], DType::I64).is_err());
    assert!(BoxSpace::uniform(0.0, 1.0, &[usize::MAX, 2], DType::F64).is_err());
}

#[test]
fn float32_bounds_are_rounded_to_float32() {
    let b = BoxSpace::uniform(0.1, 0.2, &[1], DType::F32).unwrap();
    assert_eq!(b.low()[[0]], f64::from(0.1f32));
    assert!(b.contains(&Sample::from(arr1(&[0.1f32]).into_dyn())));
}

#[test]
fn contains_checks_dtype_shape_and_bounds() {
    let b = BoxSpace::uniform(0.0, 10.0, &[2], DType::F32).unwrap();
    assert!(b.contains(&Sample::from(arr1(&[0.0f32, 10.0]).into_dyn())));
    // uint8 casts safely to float32, float64 does not.
    assert!(b.contains(&Sample::from(arr1(&[3u8, 4]).into_dyn())));
    assert!(!b.contains(&Sample::from(arr1(&[1.0f64, 2.0]).into_dyn())));
    assert!(!b.contains(&Sample::from(arr1(&[1.0f32]).into_dyn())));
    assert!(!b.contains(&Sample::from(arr1(&[1.0f32, 10.5]).into_dyn())));
    assert!(!b.contains(&Sample::from(arr1(&[f32::NAN, 1.0]).into_dyn())));
    assert!(!b.contains(&Sample::from("ab")));
    let i = BoxSpace::uniform(f64::NEG_INFINITY, 5.0, &[1], DType::I64).unwrap();
    assert!(i.contains(&Sample::from(arr1(&[i64::MIN]).into_dyn())));
    assert!(!i.contains(&Sample::from(arr1(&[6i64]).into_dyn())));
}

#[test]
fn samples_stay_inside_every_kind_of_bound() {
    let mut rng = super::rng(1);
    let inf = f64::INFINITY;
    for (dtype, huge) in [(DType::F32, f64::from(f32::MAX)), (DType::F64, f64::MAX)] {
        // The last element spans the whole dtype, where `high - low` overflows.
        let low = arr1(&[-1.0, 0.0, -inf, -inf, -huge]).into_dyn();
        let high = arr1(&[1.0, inf, 0.0, inf, huge]).into_dyn();
        let b = BoxSpace::new(low, high, dtype).unwrap();
        assert!(!b.is_bounded());
        for _ in 0..200 {
            let x = b.sample(&mut rng);
            assert!(b.contains(&x), "{x:?} not in {b}");
        }
    }
    let ilow = arr1(&[-3.0, 0.0, -inf, -inf, 0.0]).into_dyn();
    let ihigh = arr1(&[3.0, inf, 0.0, inf, 0.0]).into_dyn();
    for dtype in [DType::I32, DType::I64] {
        let b = BoxSpace::new(ilow.clone(), ihigh.clone(), dtype).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..300 {
            let x = b.sample(&mut rng);
            assert!(b.contains(&x), "{x:?} not in {b}");
            seen.insert(x.int_values().unwrap()[0]);
        }
        // Both integer ends of a bounded interval are reachable, like Gymnasium's.
        assert_eq!(seen, (-3..=3).collect());
    }
    let u = BoxSpace::uniform(250.0, f64::INFINITY, &[4], DType::U8).unwrap();
    for _ in 0..100 {
        assert!(u.contains(&u.sample(&mut rng)));
    }
}

#[test]
fn cast_refuses_values_the_dtype_cannot_hold() {
    let b = BoxSpace::uniform(0.0, 5.0, &[2], DType::U8).unwrap();
    assert_eq!(b.cast(&arr1(&[1.0, 2.0])).unwrap(), Sample::from(arr1(&[1u8, 2]).into_dyn()));
    assert!(b.cast(&arr1(&[1.5, 2.0])).is_err());
    assert!(b.cast(&arr1(&[256.0, 2.0])).is_err());
    assert!(b.cast(&arr1(&[f64::NAN, 2.0])).is_err());
    assert!(b.cast(&arr1(&[1.0])).is_err());
}

#[test]
fn display_is_like_gymnasium() {
    let b = BoxSpace::new(arr1(&[0.0, -1.0]).into_dyn(), arr1(&[1.0, 1.0]).into_dyn(), DType::F64).unwrap();
    assert_eq!(b.to_string(), "Box([0 -1], 1, (2,), float64)");
    assert_eq!(shape_repr(&[]), "()");
    assert_eq!(shape_repr(&[2, 3]), "(2, 3)");
}
