# One SampleScene area (docs/SAMPLESCENE.md): a 20 m platform, a red target cube and one
# agent. On every Reset it places the agent (|x|, |z| <= 7, random heading) and the cube
# (|x|, |z| <= 8, at least 4 m from the agent) with the area's own seeded generator; a
# Reset field `seed` (int) reseeds it, so the same seed gives the same start.
extends Spatial

const Cmdline := preload("res://addons/ai4u/cmdline.gd")

export var agent_range := 7.0
export var target_range := 8.0
export var min_gap := 4.0

onready var agent: Node = $AgentBody/Agent
onready var body: KinematicBody = $AgentBody
onready var target: Spatial = $Target

var rng := RandomNumberGenerator.new()

func _ready() -> void:
	agent.connect("episode_reset", self, "_on_episode_reset")
	# The camera sensor breaks the SampleScene's two-field observation contract, so it is
	# opt-in (and off anyway when headless, where nothing is rendered).
	$AgentBody/Agent/Camera.enabled = Cmdline.get_int("camera", 0) != 0

# Called by main.gd before the first physics frame (so before the Hello).
func setup(index: int, max_steps: int) -> void:
	agent.agent_id = str(index)
	agent.max_steps = max_steps
	rng.seed = 1000 + index

func _on_episode_reset(fields: Dictionary) -> void:
	if typeof(fields.get("seed")) == TYPE_INT:
		rng.seed = fields["seed"]
	var p := Vector3(rng.randf_range(-agent_range, agent_range), 0.0, rng.randf_range(-agent_range, agent_range))
	var yaw := rng.randf_range(0.0, TAU)
	body.transform = Transform(Basis(Vector3.UP, yaw), p)
	var t := Vector3.ZERO
	for _i in range(100):
		t = Vector3(rng.randf_range(-target_range, target_range), 0.5, rng.randf_range(-target_range, target_range))
		if Vector2(t.x - p.x, t.z - p.z).length() >= min_gap:
			break
	target.transform = Transform(Basis(), t)
