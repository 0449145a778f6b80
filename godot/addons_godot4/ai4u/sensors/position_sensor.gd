# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# The body's position [x, y, z] in metres, relative to `relative_to` (a Node3D, for example
# the agent's area) when set, else in world coordinates.
extends "res://addons/ai4u/sensors/sensor.gd"

@export var relative_to := NodePath()
@export var range_limit := 1000.0

func _init() -> void:
	field_name = "position"

func get_shape() -> Array:
	return [3]

func get_range_min() -> float:
	return -range_limit

func get_range_max() -> float:
	return range_limit

func read(agent) -> PackedFloat32Array:
	var p: Vector3 = agent.body.global_transform.origin
	if not relative_to.is_empty():
		p = (get_node(relative_to) as Node3D).global_transform.affine_inverse() * p
	return PackedFloat32Array([p.x, p.y, p.z])
