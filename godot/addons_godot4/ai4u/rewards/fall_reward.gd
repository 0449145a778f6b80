# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# `value` once when the body's origin (its feet) drops below `min_height` metres (world Y;
# SAMPLESCENE.md: -1 below y = -1). Ends the episode when `end_episode` is on.
extends "res://addons/ai4u/rewards/reward.gd"

@export var value := -1.0
@export var min_height := -1.0
@export var end_episode := true

var fallen := false

func on_episode_start(_agent) -> void:
	fallen = false

func frame_reward(agent) -> float:
	if fallen:
		return 0.0
	if agent.body.global_transform.origin.y < min_height:
		fallen = true
		return value
	return 0.0

func ends_episode(_agent) -> bool:
	return fallen and end_episode
