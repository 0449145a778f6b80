# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# 1 when the body stands on something, else 0: a short ray from just above the feet
# (the body origin) straight down. A ray rather than CharacterBody3D.is_on_floor() because it
# also works for a RigidBody3D and right after a reset teleported the body.
extends "res://addons/ai4u/sensors/sensor.gd"

@export var probe_above := 0.1
@export var probe_below := 0.1

func get_shape() -> Array:
	return [1]

func get_range_min() -> float:
	return 0.0

func read(agent) -> PackedFloat32Array:
	return PackedFloat32Array([1.0 if is_on_ground(agent.body, probe_above, probe_below) else 0.0])

static func is_on_ground(body: PhysicsBody3D, above: float, below: float) -> bool:
	var space := body.get_world().direct_space_state
	var o := body.global_transform.origin
	var exclude: Array[RID] = [body.get_rid()]
	var q := PhysicsRayQueryParameters3D.create(o + Vector3.UP * above, o - Vector3.UP * below, 0xFFFFFFFF, exclude)
	var hit := space.intersect_ray(q)
	return not hit.is_empty()
