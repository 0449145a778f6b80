//! The car: a kinematic bicycle model referenced at the centre of gravity, with a
//! rate-limited steering rack, a drive force that fades towards top speed, brakes, rolling
//! resistance and drag, and a grip limit that caps the lateral acceleration (so the car runs
//! wide instead of turning tighter than its tyres allow).

/// Distance between the axles (m).
pub const WHEELBASE: f32 = 1.53;
/// From the rear axle to the centre of gravity (m).
pub const REAR_TO_CG: f32 = 0.77;
/// Body length (m), for cone hits.
pub const CAR_LENGTH: f32 = 2.9;
/// Body width (m), for cone hits.
pub const CAR_WIDTH: f32 = 1.4;
/// Largest front wheel angle (rad), 24°.
pub const MAX_STEER: f32 = 0.42;
/// How fast the wheels turn towards the commanded angle (rad/s).
pub const STEER_RATE: f32 = 2.5;
/// Drive acceleration at full throttle from rest (m/s²).
pub const MAX_ACCEL: f32 = 10.0;
/// Speed at which the drive force has faded to nothing (m/s).
pub const TOP_SPEED: f32 = 30.0;
/// Deceleration at full brake (m/s²).
pub const MAX_BRAKE: f32 = 15.0;
/// Rolling resistance (m/s²).
pub const ROLLING: f32 = 0.3;
/// Drag: deceleration per (m/s)².
pub const DRAG: f32 = 0.0015;
/// Largest lateral acceleration the tyres give (m/s²), about 1.5 g.
pub const MAX_LATERAL: f32 = 15.0;

/// One car's state.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Car {
    /// Centre of gravity, x.
    pub x: f32,
    /// Centre of gravity, z.
    pub z: f32,
    /// Heading (rad): 0 faces +Z, positive to the right.
    pub yaw: f32,
    /// Forward speed (m/s), never negative (no reverse gear).
    pub speed: f32,
    /// Front wheel angle (rad), positive to the right.
    pub steer: f32,
    /// Controls being applied: steering command in [-1, 1], throttle and brake in [0, 1].
    pub steer_cmd: f32,
    /// Throttle being applied, in [0, 1].
    pub throttle: f32,
    /// Brake being applied, in [0, 1].
    pub brake: f32,
}

/// Clamps, reading NaN as 0 so a bad controller cannot poison the state.
fn clamp(v: f32, lo: f32, hi: f32) -> f32 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(lo, hi)
    }
}

impl Car {
    /// A car at rest at `(x, z)` heading `yaw`.
    pub fn at(x: f32, z: f32, yaw: f32) -> Car {
        Car { x, z, yaw, ..Car::default() }
    }

    /// Sets the controls (clamped to their ranges).
    pub fn control(&mut self, steer: f32, throttle: f32, brake: f32) {
        self.steer_cmd = clamp(steer, -1.0, 1.0);
        self.throttle = clamp(throttle, 0.0, 1.0);
        self.brake = clamp(brake, 0.0, 1.0);
    }

    /// Advances by `dt` seconds.
    pub fn step(&mut self, dt: f32) {
        let target = self.steer_cmd * MAX_STEER;
        let max_move = STEER_RATE * dt;
        self.steer += (target - self.steer).clamp(-max_move, max_move);

        let v = self.speed;
        let drive = self.throttle * MAX_ACCEL * (1.0 - v / TOP_SPEED).max(0.0);
        let resist = if v > 0.0 { ROLLING + DRAG * v * v + self.brake * MAX_BRAKE } else { 0.0 };
        self.speed = (v + (drive - resist) * dt).max(0.0);

        // Grip: v² tan δ / L is the lateral acceleration of a kinematic turn.
        let mut tan = self.steer.tan();
        let v2 = self.speed * self.speed;
        if v2 > 1e-6 {
            let limit = MAX_LATERAL * WHEELBASE / v2;
            tan = tan.clamp(-limit, limit);
        }
        let beta = (REAR_TO_CG / WHEELBASE * tan).atan();
        let heading = self.yaw + beta;
        self.x += self.speed * heading.sin() * dt;
        self.z += self.speed * heading.cos() * dt;
        self.yaw += self.speed / REAR_TO_CG * beta.sin() * dt;
        self.yaw = (self.yaw + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
    }

    /// `p` in the car's frame: (metres to the right, metres ahead) of the centre of gravity.
    pub fn to_local(&self, p: [f32; 2]) -> [f32; 2] {
        let (s, c) = self.yaw.sin_cos();
        let (dx, dz) = (p[0] - self.x, p[1] - self.z);
        [dx * c - dz * s, dx * s + dz * c]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(car: &mut Car, seconds: f32) {
        for _ in 0..(seconds / 0.02) as usize {
            car.step(0.02);
        }
    }

    #[test]
    fn throttle_accelerates_brake_stops_and_there_is_no_reverse() {
        let mut car = Car::at(0.0, 0.0, 0.0);
        car.control(0.0, 1.0, 0.0);
        run(&mut car, 2.0);
        assert!(car.speed > 12.0 && car.speed < TOP_SPEED, "{}", car.speed);
        assert!(car.z > 10.0 && car.x.abs() < 1e-4, "straight ahead on +Z: {car:?}");
        car.control(0.0, 0.0, 1.0);
        run(&mut car, 2.0);
        assert_eq!(car.speed, 0.0);
        let z = car.z;
        run(&mut car, 1.0);
        assert_eq!(car.z, z, "stays stopped");
    }

    #[test]
    fn positive_steering_turns_right_and_the_wheels_turn_at_a_limited_rate() {
        let mut car = Car::at(0.0, 0.0, 0.0);
        car.control(1.0, 0.3, 0.0);
        car.step(0.02);
        assert!((car.steer - STEER_RATE * 0.02).abs() < 1e-6);
        run(&mut car, 3.0);
        assert!((car.steer - MAX_STEER).abs() < 1e-6);
        assert!(car.yaw > 0.5 || car.yaw < -0.5, "turned: {car:?}");
        let mut right = Car::at(0.0, 0.0, 0.0);
        right.control(0.5, 0.5, 0.0);
        run(&mut right, 1.0);
        assert!(right.x > 0.5, "drifted to +X (right): {right:?}");
    }

    #[test]
    fn grip_caps_the_lateral_acceleration() {
        let mut car = Car { speed: 20.0, ..Car::at(0.0, 0.0, 0.0) };
        car.control(1.0, 0.4, 0.0);
        run(&mut car, 0.5);
        let v = car.speed;
        let yaw0 = car.yaw;
        car.step(0.02);
        let a_lat = v * (car.yaw - yaw0) / 0.02;
        assert!(a_lat <= MAX_LATERAL * 1.05, "lateral {a_lat} m/s² at {v} m/s");
    }

    #[test]
    fn nan_controls_read_as_zero_and_local_coordinates_are_right_and_ahead() {
        let mut car = Car::at(1.0, 2.0, std::f32::consts::FRAC_PI_2); // facing +X
        car.control(f32::NAN, f32::NAN, f32::NAN);
        assert_eq!((car.steer_cmd, car.throttle, car.brake), (0.0, 0.0, 0.0));
        let [r, a] = car.to_local([4.0, 2.0]);
        assert!((r - 0.0).abs() < 1e-5 && (a - 3.0).abs() < 1e-5, "{r} {a}");
        let [r, _] = car.to_local([1.0, 0.0]); // -Z is to the right when facing +X
        assert!((r - 2.0).abs() < 1e-5, "{r}");
    }
}
