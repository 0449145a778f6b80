# Godot 4 port, generated from godot/addons/ai4u by scripts/gen_godot4.py: edit those, not this.
# Shaping: `scale` per metre whenever the body gets closer to the target than it has been
# so far in the episode (on the XZ plane), so progress pays and pacing back and forth
# does not. Not part of the SampleScene contract; off unless added to a scene.
extends "res://addons/ai4u/rewards/reward.gd"

@export var target := NodePath()
@export var scale := 0.1

var best := INF

func on_episode_start(agent) -> void:
	best = _distance(agent)

func frame_reward(agent) -> float:
	var d := _distance(agent)
	if d < best:
		var r := (best - d) * scale if best < INF else 0.0
		best = d
		return r
	return 0.0

func _distance(agent) -> float:
	var t := get_node_or_null(target) as Node3D
	if t == null:
		return INF
	var d: Vector3 = agent.body.global_transform.origin - t.global_transform.origin
	return Vector2(d.x, d.z).length()
