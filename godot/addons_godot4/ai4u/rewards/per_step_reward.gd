# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# A constant reward per decision (SAMPLESCENE.md: -0.01), to make the agent hurry.
extends "res://addons/ai4u/rewards/reward.gd"

@export var value := -0.01

func decision_reward(_agent) -> float:
	return value
