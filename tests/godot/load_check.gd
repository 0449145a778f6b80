# Compiles every GDScript of the Godot 3 addon and demo and instances every scene, so a
# parse error fails here with its file name instead of hanging a scene.
#   godot3-server --path godot/demo -s tests/godot/load_check.gd
extends SceneTree

var passed := 0
var failed := 0

func _init() -> void:
	var files := []
	collect("res://", files)
	files.sort()
	for f in files:
		var r = load(f)
		var ok: bool = r != null
		if ok and f.ends_with(".gd"):
			ok = r.can_instance()
		elif ok and f.ends_with(".tscn"):
			var n = r.instance()
			ok = n != null
			if ok:
				n.free()
		if ok:
			passed += 1
			print("PASS load ", f)
		else:
			failed += 1
			print("FAIL load ", f)
	if files.size() < 10:
		failed += 1
		print("FAIL found only %d scripts and scenes" % files.size())
	print("load: %d passed, %d failed" % [passed, failed])
	quit(0 if failed == 0 else 1)

func collect(dir: String, out: Array) -> void:
	var d := Directory.new()
	if d.open(dir) != OK:
		return
	d.list_dir_begin(true, true)
	var f := d.get_next()
	while f != "":
		var p := dir.plus_file(f)
		if d.current_is_dir():
			collect(p, out)
		elif f.ends_with(".gd") or f.ends_with(".tscn"):
			out.append(p)
		f = d.get_next()
	d.list_dir_end()
