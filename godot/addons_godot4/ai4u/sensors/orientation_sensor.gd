# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# Where the target is, as SAMPLESCENE.md's first two `array` values:
# [dot(forward, unit direction to the target on the XZ plane), min(distance / max_distance, 1)].
# Forward is the body's -Z axis (Godot's convention).
extends "res://addons/ai4u/sensors/sensor.gd"

@export var target := NodePath()
@export var max_distance := 30.0

func get_shape() -> Array:
	return [2]

func read(agent) -> PackedFloat32Array:
	var t := get_node_or_null(target) as Node3D
	if t == null:
		push_error("ai4u: OrientationSensor %s has no target" % get_path())
		return PackedFloat32Array([0.0, 1.0])
	var xf: Transform = agent.body.global_transform
	var to := t.global_transform.origin - xf.origin
	to.y = 0.0
	var fwd := -xf.basis.z
	fwd.y = 0.0
	var dot := 0.0
	if to.length() > 1e-6 and fwd.length() > 1e-6:
		dot = fwd.normalized().dot(to.normalized())
	return PackedFloat32Array([dot, min(to.length() / max_distance, 1.0)])
