//! A stereo pair: two cameras of one spec a baseline apart, sharing one camera's buffers.

use super::{Camera, CameraSpec, Pose, RenderError, World};
use ai4u_core::value::Image;

/// Two cameras side by side, `baseline` metres apart along the pose's right axis, centred
/// on the pose. They share one [`Camera`]'s buffers (rendered one after the other).
#[derive(Debug, Clone)]
pub struct StereoCamera {
    camera: Camera,
    baseline: f32,
}

impl StereoCamera {
    /// A pair of `spec` cameras `baseline` metres apart.
    pub fn new(spec: CameraSpec, baseline: f32) -> Result<StereoCamera, RenderError> {
        if !(0.0..=10.0).contains(&baseline) {
            return Err(RenderError::Baseline(baseline));
        }
        Ok(StereoCamera { camera: Camera::new(spec)?, baseline })
    }

    /// What each camera produces.
    pub fn spec(&self) -> CameraSpec {
        self.camera.spec()
    }

    /// Distance between the two eyes (m).
    pub fn baseline(&self) -> f32 {
        self.baseline
    }

    /// The left and right eyes' poses for a pose centred between them.
    pub fn eyes(&self, pose: &Pose) -> (Pose, Pose) {
        let (sy, cy) = pose.yaw.sin_cos();
        let h = self.baseline / 2.0;
        let [x, y, z] = pose.eye;
        (Pose { eye: [x - cy * h, y, z + sy * h], ..*pose }, Pose { eye: [x + cy * h, y, z - sy * h], ..*pose })
    }

    /// Renders both eyes into `left` and `right`.
    pub fn render(&mut self, world: &World, pose: &Pose, left: &mut Vec<u8>, right: &mut Vec<u8>) {
        let (l, r) = self.eyes(pose);
        self.camera.render(world, &l, left);
        self.camera.render(world, &r, right);
    }

    /// Both eyes as new raw u8 images, left first.
    pub fn render_images(&mut self, world: &World, pose: &Pose) -> (Image, Image) {
        let (l, r) = self.eyes(pose);
        (self.camera.render_image(world, &l), self.camera.render_image(world, &r))
    }
}
