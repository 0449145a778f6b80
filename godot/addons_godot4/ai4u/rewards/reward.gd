# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# Base of every ai4u reward. The Agent sums, per decision, frame_reward() over the physics
# frames of the period plus decision_reward() once; ends_episode() true on any reward ends
# the episode with done = true (Gymnasium's terminated).
extends Node

@export var enabled := true

func frame_reward(_agent) -> float:
	return 0.0

func decision_reward(_agent) -> float:
	return 0.0

func ends_episode(_agent) -> bool:
	return false

func on_episode_start(_agent) -> void:
	pass
