# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# `value` once when the body touches the target: within `radius` of the target's centre on
# the XZ plane and not more than `height` above it (SAMPLESCENE.md: +10, 1.0 m, 1.5 m).
# Ends the episode when `end_episode` is on. A distance test, not a collision, so it
# behaves the same whatever the target's collision layers.
extends "res://addons/ai4u/rewards/reward.gd"

@export var target := NodePath()
@export var value := 10.0
@export var radius := 1.0
@export var height := 1.5
@export var end_episode := true

var touched := false

func on_episode_start(_agent) -> void:
	touched = false

func frame_reward(agent) -> float:
	if touched:
		return 0.0
	var t := get_node_or_null(target) as Node3D
	if t == null:
		return 0.0
	var d: Vector3 = agent.body.global_transform.origin - t.global_transform.origin
	if Vector2(d.x, d.z).length() <= radius and d.y <= height:
		touched = true
		return value
	return 0.0

func ends_episode(_agent) -> bool:
	return touched and end_episode
