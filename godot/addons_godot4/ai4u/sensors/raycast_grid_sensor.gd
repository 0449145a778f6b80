# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# A rows x cols grid of rays from the agent's eye, each reporting the code of the first thing
# it hits (SAMPLESCENE.md `vision`, shape [rows, cols, 1], row-major, top row first).
# Row r points `pitch_start + pitch_step * r` degrees above the horizon (negative = down),
# column c at a yaw offset of `yaw_start + yaw_step * c` degrees, positive to the right.
# Uses the physics space state directly, so it works headless (no rendering involved).
extends "res://addons/ai4u/sensors/sensor.gd"

@export var rows := 10
@export var cols := 10
@export var eye_height := 1.5
@export var pitch_start := -5.0
@export var pitch_step := -5.0
@export var yaw_start := -45.0
@export var yaw_step := 10.0
@export var max_distance := 15.0
# The code of a hit is that of the first group (in this order) its collider belongs to.
@export var group_codes := {"ai4u_target": 200.0, "ai4u_agent": 100.0, "ai4u_floor": 50.0}
@export var other_code := 50.0
@export var miss_code := 0.0
@export_flags_3d_physics var collision_mask := 0xFFFFFFFF

func _init() -> void:
	field_name = "vision"

func get_shape() -> Array:
	return [rows, cols, 1]

func get_range_min() -> float:
	return 0.0

func get_range_max() -> float:
	return 255.0

func read(agent) -> PackedFloat32Array:
	var body: Node3D = agent.body
	var space := body.get_world().direct_space_state
	var xf := body.global_transform
	# Only the heading matters: flatten forward so a tilted body still looks level.
	var fwd := -xf.basis.z
	fwd.y = 0.0
	fwd = fwd.normalized() if fwd.length() > 1e-6 else Vector3.FORWARD
	var right := fwd.cross(Vector3.UP)
	var eye := xf.origin + Vector3.UP * eye_height
	# PhysicsRayQueryParameters3D wants a typed Array[RID].
	var exclude: Array[RID] = []
	if body is CollisionObject3D:
		exclude.append(body.get_rid())
	var out := PackedFloat32Array()
	out.resize(rows * cols)
	for r in range(rows):
		var pitch := deg_to_rad(pitch_start + pitch_step * r)
		for c in range(cols):
			var yaw := deg_to_rad(yaw_start + yaw_step * c)
			var flat := fwd * cos(yaw) + right * sin(yaw)
			var dir := flat * cos(pitch) + Vector3.UP * sin(pitch)
			var q := PhysicsRayQueryParameters3D.create(eye, eye + dir * max_distance, collision_mask, exclude)
			var hit := space.intersect_ray(q)
			out[r * cols + c] = miss_code if hit.is_empty() else code_of(hit["collider"])
	return out

func code_of(collider: Object) -> float:
	if collider is Node:
		for g in group_codes:
			if collider.is_in_group(g):
				return group_codes[g]
	return other_code
