//! The controller side of the blank-frame guard: a camera whose frames are all one colour
//! for a run of steps (a camera looking at nothing, a build that cannot render) is said
//! loudly once in the log and named in every step's info while it lasts, never silently
//! trained on. The engines' camera sensors warn on their side too.

use ai4u_core::value::{Field, ImageEncoding, State, Value};
use std::collections::HashMap;

/// Frames of one colour in a row after which a camera counts as blank (as the Godot sensor).
pub const BLANK_RUN: u32 = 20;

/// The info field naming the cameras that are blank now (comma-separated field names).
pub const BLANK_INFO: &str = "ai4u_blank_cameras";

/// Per camera field of one agent: how many blank frames in a row, and whether it was said.
#[derive(Debug, Default)]
pub(crate) struct BlankFrames {
    runs: HashMap<String, (u32, bool)>,
}

/// True when a spread sample of at most ~64 pixels all have the first pixel's value (the
/// same test as the engines' sensors). PNG frames are not decoded here and never count.
pub fn looks_blank(image: &ai4u_core::value::Image) -> bool {
    if image.encoding != ImageEncoding::Raw {
        return false;
    }
    let px = (image.channels as usize * image.pixel.size()).max(1);
    let n = image.data.len() / px;
    if n == 0 {
        return true;
    }
    let first = &image.data[..px];
    (0..n).step_by((n / 64).max(1)).all(|i| &image.data[i * px..(i + 1) * px] == first)
}

impl BlankFrames {
    /// Looks at every image field of `state`; logs once per camera that turned blank, and
    /// while any camera is blank returns the [`BLANK_INFO`] field for the step's info (added
    /// after the controller has read the state).
    pub fn check(&mut self, agent: &str, state: &State) -> Option<Field> {
        let mut blank = Vec::new();
        for f in &state.fields {
            let Value::Image(img) = &f.value else { continue };
            let (run, said) = self.runs.entry(f.name.clone()).or_default();
            *run = if looks_blank(img) { run.saturating_add(1) } else { 0 };
            if *run >= BLANK_RUN {
                if !*said {
                    eprintln!(
                        "ai4u: agent `{}`: camera `{}` has sent {run} frames of one colour in a row: is it looking at the scene, and does the engine render (not a headless or -nographics build)?",
                        crate::server::escape_log(agent),
                        crate::server::escape_log(&f.name)
                    );
                    *said = true;
                }
                blank.push(f.name.clone());
            }
        }
        (!blank.is_empty()).then(|| Field::new(BLANK_INFO, Value::String(blank.join(","))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ai4u_core::value::Image;

    fn frame(v: u8, spot: Option<u8>) -> State {
        let mut data = vec![v; 8 * 8 * 3];
        if let Some(s) = spot {
            data[3 * 27] = s;
        }
        State::from_fields(vec![
            Field::new("left", Value::Image(Image::raw_u8(8, 8, 3, data).unwrap())),
            Field::new("speed", Value::Float(1.0)),
        ])
    }

    #[test]
    fn a_camera_of_one_colour_is_named_after_the_run_and_cleared_by_a_real_frame() {
        let mut b = BlankFrames::default();
        for i in 1..=BLANK_RUN + 2 {
            let info = b.check("car", &frame(0, None));
            assert_eq!(info.is_some(), i >= BLANK_RUN, "frame {i}");
        }
        assert_eq!(b.runs["left"], (BLANK_RUN + 2, true));
        // A frame with content (a pixel the spread sample sees) ends the run.
        assert!(b.check("car", &frame(0, Some(200))).is_none());
        assert_eq!(b.runs["left"].0, 0);
    }

    #[test]
    fn only_raw_images_count_and_a_textured_frame_is_not_blank() {
        let mut png = Image::raw_u8(2, 2, 1, vec![0; 4]).unwrap();
        png.encoding = ImageEncoding::Png;
        assert!(!looks_blank(&png));
        let rows: Vec<u8> = (0..64 * 64 * 3).map(|i| (i / 3 / 64 * 4) as u8).collect();
        assert!(!looks_blank(&Image::raw_u8(64, 64, 3, rows).unwrap()));
        assert!(looks_blank(&Image::raw_u8(64, 64, 3, vec![7; 64 * 64 * 3]).unwrap()));
    }
}
