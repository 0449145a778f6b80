use super::*;

const RED: Rgb = [220, 30, 30];

fn red_box_at(x: f32, z: f32, half: f32) -> World {
    World {
        boxes: vec![BoxShape { lo: [x - half, 0.0, z - half], hi: [x + half, 2.0 * half, z + half], color: RED }],
        ..World::default()
    }
}

fn is_red(p: &[u8]) -> bool {
    p[0] > 120 && p[1] < 60 && p[2] < 60
}

/// Mean column of the red pixels and their count.
fn red_centroid(frame: &[u8], w: usize) -> (f32, usize) {
    let (mut sum, mut n) = (0.0, 0);
    for (k, p) in frame.chunks(3).enumerate() {
        if is_red(p) {
            sum += (k % w) as f32;
            n += 1;
        }
    }
    (if n > 0 { sum / n as f32 } else { f32::NAN }, n)
}

fn eye() -> Pose {
    Pose { eye: [0.0, 0.5, 0.0], yaw: 0.0, pitch: 0.0 }
}

#[test]
fn a_red_box_straight_ahead_is_in_the_centre() {
    let mut cam = Camera::new(CameraSpec::default()).unwrap();
    let mut f = Vec::new();
    cam.render(&red_box_at(0.0, 5.0, 0.5), &eye(), &mut f);
    assert_eq!(f.len(), 84 * 84 * 3);
    let at = |i: usize, j: usize| &f[(i * 84 + j) * 3..(i * 84 + j) * 3 + 3];
    assert!(is_red(at(42, 42)), "centre pixel {:?}", at(42, 42));
    for (i, j) in [(0, 0), (0, 83), (83, 0), (83, 83), (42, 5), (42, 78)] {
        assert!(!is_red(at(i, j)), "pixel ({i}, {j}) is red: {:?}", at(i, j));
    }
    let (cx, n) = red_centroid(&f, 84);
    assert!((cx - 41.5).abs() < 1.0 && n > 30, "centroid {cx}, {n} red pixels");
    // Sky above, ground below.
    assert!(at(0, 42)[2] > at(0, 42)[1] && at(83, 42)[1] > at(83, 42)[2], "{:?} {:?}", at(0, 42), at(83, 42));
}

#[test]
fn yaw_turns_the_view_to_the_right() {
    let mut cam = Camera::new(CameraSpec::default()).unwrap();
    let mut f = Vec::new();
    let world = red_box_at(5.0, 0.0, 0.5); // on +X: to the right of a yaw-0 eye
    cam.render(&world, &eye(), &mut f);
    assert_eq!(red_centroid(&f, 84).1, 0, "90° to the right is outside a 90° view");
    cam.render(&world, &Pose { yaw: std::f32::consts::FRAC_PI_2, ..eye() }, &mut f);
    let (cx, n) = red_centroid(&f, 84);
    assert!((cx - 41.5).abs() < 1.0 && n > 30, "centroid {cx}, {n} red pixels");
    cam.render(&world, &Pose { yaw: 1.2, ..eye() }, &mut f);
    assert!(red_centroid(&f, 84).0 > 50.0, "turned less, the box is right of centre");
}

#[test]
fn stereo_parallax_shifts_a_near_object_more_than_a_far_one() {
    let mut pair = StereoCamera::new(CameraSpec { width: 160, height: 120, ..CameraSpec::default() }, 0.3).unwrap();
    let (mut l, mut r) = (Vec::new(), Vec::new());
    let mut shift = |world: &World| {
        pair.render(world, &eye(), &mut l, &mut r);
        let ((cl, nl), (cr, nr)) = (red_centroid(&l, 160), red_centroid(&r, 160));
        assert!(nl > 0 && nr > 0);
        cl - cr
    };
    let near = shift(&red_box_at(0.0, 2.0, 0.2));
    let far = shift(&red_box_at(0.0, 12.0, 0.6));
    // The left eye sits left, so it sees the object further right.
    assert!(near > 5.0, "near disparity {near} px");
    assert!(far > 0.0 && far < near / 3.0, "far disparity {far} px, near {near} px");
}

#[test]
fn grayscale_has_one_channel() {
    let spec = CameraSpec { width: 64, height: 48, gray: true, ..CameraSpec::default() };
    let mut cam = Camera::new(spec).unwrap();
    let img = cam.render_image(&red_box_at(0.0, 5.0, 0.5), &eye());
    assert_eq!((img.width, img.height, img.channels, img.data.len()), (64, 48, 1, 64 * 48));
    assert_eq!(spec.shape(), vec![48, 64, 1]);
    img.validate().unwrap();
    let centre = img.data[24 * 64 + 32];
    assert!(img.data[0] != centre && img.data[47 * 64] != centre, "box, sky and ground differ in grey");
}

#[test]
fn cones_are_drawn_with_their_band() {
    let world = World {
        cones: vec![ConeShape {
            base: [0.0, 0.0, 2.0],
            radius: 0.3,
            height: 0.8,
            color: [20, 60, 220],
            band: Some([250, 250, 250]),
        }],
        ..World::default()
    };
    let mut cam = Camera::new(CameraSpec { width: 120, height: 120, ..CameraSpec::default() }).unwrap();
    let mut f = Vec::new();
    cam.render(&world, &Pose { eye: [0.0, 0.5, 0.0], yaw: 0.0, pitch: -0.3 }, &mut f);
    let blue = f.chunks(3).filter(|p| p[2] > 120 && p[0] < 60).count();
    let white = f.chunks(3).filter(|p| p[0] > 200 && p[1] > 200 && p[2] > 200).count();
    assert!(blue > 50 && white > 10, "{blue} blue, {white} white pixels");
}

#[test]
fn the_ground_map_paints_the_ground() {
    let world = World {
        ground_map: Some(GroundMap {
            x0: -1.0,
            z0: 0.0,
            cell: 1.0,
            cols: 2,
            rows: 20,
            cells: vec![0; 40],
            palette: vec![[60, 60, 60]],
        }),
        ..World::default()
    };
    let mut cam = Camera::new(CameraSpec::default()).unwrap();
    let mut f = Vec::new();
    cam.render(&world, &Pose { eye: [0.0, 1.0, 0.0], yaw: 0.0, pitch: -0.4 }, &mut f);
    let at = |i: usize, j: usize| &f[(i * 84 + j) * 3..(i * 84 + j) * 3 + 3];
    let (mid, side) = (at(80, 42), at(80, 2));
    assert!(mid[0].abs_diff(mid[2]) < 10 && mid[1] < 90, "grey strip under the eye: {mid:?}");
    assert!(side[1] > side[0], "grass beside it: {side:?}");
}

#[test]
fn bad_specs_are_refused_with_the_reason() {
    let e = Camera::new(CameraSpec { width: 4, ..CameraSpec::default() }).unwrap_err();
    assert_eq!(e.to_string(), "camera size 4x84 is out of range: each side must be 8..=2048 pixels");
    assert!(matches!(Camera::new(CameraSpec { fov_deg: 180.0, ..CameraSpec::default() }), Err(RenderError::Fov(_))));
    assert!(matches!(StereoCamera::new(CameraSpec::default(), -1.0), Err(RenderError::Baseline(_))));
    assert!(matches!(StereoCamera::new(CameraSpec::default(), f32::NAN), Err(RenderError::Baseline(_))));
    assert_eq!(CameraSpec::parse_size("640x480").unwrap(), (640, 480));
    assert!(CameraSpec::parse_size("640").is_err() && CameraSpec::parse_size("ax4").is_err());
}

#[test]
fn an_eye_inside_a_box_or_below_ground_does_not_panic() {
    let mut cam = Camera::new(CameraSpec::default()).unwrap();
    let mut f = Vec::new();
    cam.render(&red_box_at(0.0, 0.0, 2.0), &eye(), &mut f);
    cam.render(&red_box_at(0.0, 5.0, 0.5), &Pose { eye: [0.0, -1.0, 0.0], yaw: 0.0, pitch: 1.5 }, &mut f);
    assert_eq!(f.len(), 84 * 84 * 3);
}
