# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# SAMPLESCENE.md's `move` action: one float array [fb, lr, j, jf], clamped to
# [-1, -1, 0, 0] .. [1, 1, 1, 1].
#   fb: walk at fb * walk_speed m/s along the heading; lr: turn at lr * turn_speed deg/s,
#   positive to the right; j: jump up at j * jump_speed m/s; jf: jump forward (up at
#   jf * jump_speed plus forward at jf * walk_speed). Jumps only from the ground.
# Drives a CharacterBody3D (integrated here, deterministic) or a RigidBody3D (velocities set,
# the engine integrates).
extends "res://addons/ai4u/actuators/actuator.gd"

const OnGround := preload("res://addons/ai4u/sensors/on_ground_sensor.gd")
# Value kinds, spelled out to keep this script free of a protocol dependency.
const P_KIND_FLOAT_ARRAY := 5
const P_KIND_INT_ARRAY := 6
const RANGE_MIN := [-1.0, -1.0, 0.0, 0.0]
const RANGE_MAX := [1.0, 1.0, 1.0, 1.0]

@export var walk_speed := 4.0
@export var turn_speed := 180.0
@export var jump_speed := 5.0
@export var gravity := 9.81

var velocity := Vector3.ZERO

func _init() -> void:
	last_action = PackedFloat32Array([0.0, 0.0, 0.0, 0.0])

func output_spec() -> Dictionary:
	return {"name": action_name, "continuous": true, "shape": [4],
		"range_min": PackedFloat32Array(RANGE_MIN), "range_max": PackedFloat32Array(RANGE_MAX)}

func act(args: Array) -> String:
	if args.size() != 1 or typeof(args[0]) != TYPE_DICTIONARY:
		return "%s needs one float array argument, got %d arguments" % [action_name, args.size()]
	var v: Dictionary = args[0]
	if not v["kind"] in [P_KIND_FLOAT_ARRAY, P_KIND_INT_ARRAY] or v["data"].size() != 4:
		return "%s needs a float array of 4 values [fb, lr, j, jf]" % action_name
	var a := PackedFloat32Array()
	for i in range(4):
		a.append(clamp(float(v["data"][i]), RANGE_MIN[i], RANGE_MAX[i]))
	last_action = a
	return ""

func on_episode_start(_agent) -> void:
	last_action = PackedFloat32Array([0.0, 0.0, 0.0, 0.0])
	velocity = Vector3.ZERO

func apply(agent, dt: float, active: bool) -> void:
	var body = agent.body
	var a := last_action if active else PackedFloat32Array([0.0, 0.0, 0.0, 0.0])
	var fb: float = a[0]
	var lr: float = a[1]
	var j: float = a[2]
	var jf: float = a[3]
	var grounded := OnGround.is_on_ground(body, 0.1, 0.1)
	# Positive lr turns clockwise seen from above, a negative rotation about +Y.
	var turn := -deg_to_rad(lr * turn_speed) * dt
	if body is CharacterBody3D:
		body.rotate_y(turn)
		var fwd := _forward(body)
		if grounded:
			velocity.x = fwd.x * fb * walk_speed
			velocity.z = fwd.z * fb * walk_speed
			var up := max(j, jf) * jump_speed
			if jf > 0.0:
				velocity += fwd * jf * walk_speed
			if up > 0.0:
				velocity.y = up
		velocity.y -= gravity * dt
		# move_and_slide() integrates over the physics delta; the world's step is `dt`
		# whatever the time scale, so the velocity is scaled to cover exactly v * dt.
		var k := dt / max(get_physics_process_delta_time(), 1e-6)
		body.velocity = velocity * k
		body.move_and_slide()
		velocity = body.velocity / k
		if body.is_on_floor() and velocity.y < 0.0:
			velocity.y = 0.0
	elif body is RigidBody3D:
		body.angular_velocity = Vector3(0.0, turn / dt, 0.0)
		if grounded:
			var fwd := _forward(body)
			var v: Vector3 = fwd * fb * walk_speed + fwd * jf * walk_speed
			v.y = body.linear_velocity.y
			var up := max(j, jf) * jump_speed
			if up > 0.0:
				v.y = up
			body.linear_velocity = v
	else:
		push_error("ai4u: MoveActuator needs a CharacterBody3D or RigidBody3D, not %s" % str(body))

static func _forward(body: Node3D) -> Vector3:
	var f := -body.global_transform.basis.z
	f.y = 0.0
	return f.normalized() if f.length() > 1e-6 else Vector3.FORWARD
