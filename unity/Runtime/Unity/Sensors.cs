using System.Collections.Generic;
using UnityEngine;

namespace Ai4u.Unity
{
    /// <summary>Base of every sensor: one (or more) fields of the agent's tick.</summary>
    public abstract class Sensor : MonoBehaviour
    {
        [Tooltip("Field name in the tick. Vector sensors with the same name are concatenated.")]
        public string fieldName = "sensor";

        /// <summary>The agent this sensor belongs to.</summary>
        protected BasicAgent Owner { get; private set; }

        internal void Bind(BasicAgent agent) { Owner = agent; }

        /// <summary>Declares the fields this sensor sends (non-vector sensors).</summary>
        public virtual void Declare(List<InputSpec> inputs) { }

        /// <summary>Writes this sensor's fields (non-vector sensors).</summary>
        public virtual void Collect(Agent agent) { }

        /// <summary>A new episode began.</summary>
        public virtual void OnEpisodeBegin() { }
    }

    /// <summary>A sensor producing floats, concatenated with the other vector sensors of the same field name.</summary>
    public abstract class VectorSensor : Sensor
    {
        [Tooltip("Declared range of the values.")]
        public float rangeMin = -1f, rangeMax = 1f;

        /// <summary>Number of floats.</summary>
        public abstract int Size { get; }

        /// <summary>Shape when the sensor is alone in its field (default: a vector).</summary>
        public virtual int[] Shape { get { return new[] { Size }; } }

        /// <summary>Writes <see cref="Size"/> floats at <paramref name="offset"/>.</summary>
        public abstract void Read(float[] into, int offset);
    }

    /// <summary>Position (x, y, z), world or relative to a reference; optionally divided by a scale.</summary>
    [AddComponentMenu("AI4U/Sensors/Position Sensor")]
    public class PositionSensor : VectorSensor
    {
        [Tooltip("Measured relative to this transform (null = world).")]
        public Transform reference;
        [Tooltip("Divide each coordinate by this (normalisation).")]
        public float scale = 1f;

        public override int Size { get { return 3; } }

        public override void Read(float[] into, int offset)
        {
            var p = reference == null ? transform.position : reference.InverseTransformPoint(transform.position);
            float s = scale == 0 ? 1f : scale;
            into[offset] = p.x / s;
            into[offset + 1] = p.y / s;
            into[offset + 2] = p.z / s;
        }
    }

    /// <summary>
    /// Orientation to a target, the first two values of the SampleScene's <c>array</c>:
    /// dot(forward, unit direction to the target on the XZ plane) and min(distance / 30, 1).
    /// </summary>
    [AddComponentMenu("AI4U/Sensors/Orientation Sensor")]
    public class OrientationSensor : VectorSensor
    {
        public Transform target;
        [Tooltip("Distance that maps to 1.")]
        public float distanceScale = SampleSceneSpec.DistanceScale;

        public override int Size { get { return 2; } }

        public override void Read(float[] into, int offset)
        {
            if (target == null)
            {
                into[offset] = 0;
                into[offset + 1] = 1;
                return;
            }
            var d = target.position - transform.position;
            var f = transform.forward;
            into[offset] = SampleSceneSpec.FacingDot(f.x, f.z, d.x, d.z);
            float dist = new Vector2(d.x, d.z).magnitude;
            into[offset + 1] = Mathf.Min(dist / distanceScale, 1f);
        }
    }

    /// <summary>1 when the agent stands on something, else 0 (a short ray down from just above the feet).</summary>
    [AddComponentMenu("AI4U/Sensors/On Ground Sensor")]
    public class OnGroundSensor : VectorSensor
    {
        [Tooltip("How far below the feet still counts as ground.")]
        public float tolerance = 0.1f;

        public override int Size { get { return 1; } }

        static readonly RaycastHit[] hits = new RaycastHit[8];

        /// <summary>The agent whose feet are at <paramref name="feet"/> stands on a collider that is not part of <paramref name="self"/>.</summary>
        public static bool IsGrounded(Transform feet, Transform self, float tolerance)
        {
            var origin = feet.position + Vector3.up * 0.05f;
            int n = Physics.RaycastNonAlloc(origin, Vector3.down, hits, 0.05f + tolerance, Physics.DefaultRaycastLayers, QueryTriggerInteraction.Ignore);
            for (int i = 0; i < n; i++)
                if (!hits[i].collider.transform.IsChildOf(self)) return true;
            return false;
        }

        public override void Read(float[] into, int offset)
        {
            into[offset] = IsGrounded(transform, Owner != null ? Owner.transform : transform, tolerance) ? 1f : 0f;
        }
    }

    /// <summary>The last action applied by an actuator (the SampleScene's last fb, lr, j, jf).</summary>
    [AddComponentMenu("AI4U/Sensors/Last Action Sensor")]
    public class LastActionSensor : VectorSensor
    {
        [Tooltip("The actuator whose last action is read (null = the agent's first).")]
        public Actuator actuator;

        Actuator Source
        {
            get
            {
                if (actuator == null && Owner != null && Owner.Actuators.Count > 0) actuator = Owner.Actuators[0];
                return actuator;
            }
        }

        public override int Size { get { return Source == null ? 0 : Source.LastAction.Length; } }

        public override void Read(float[] into, int offset)
        {
            var a = Source;
            if (a != null) System.Array.Copy(a.LastAction, 0, into, offset, a.LastAction.Length);
        }
    }

    /// <summary>Object codes for ray sensors: put it on (or above) a collider. Without one, a hit counts as floor.</summary>
    [AddComponentMenu("AI4U/Object Code")]
    public class ObjectCode : MonoBehaviour
    {
        [Tooltip("SampleScene codes: floor 50, agent 100, target 200.")]
        public float code = SampleSceneSpec.CodeFloor;

        /// <summary>The code of what a ray hit.</summary>
        public static float Of(Collider c, float fallback)
        {
            var oc = c.GetComponentInParent<ObjectCode>();
            return oc == null ? fallback : oc.code;
        }
    }

    /// <summary>Ray casting shared by the grid and linear sensors: first hit that is not the agent itself.</summary>
    public abstract class RaySensorBase : VectorSensor
    {
        [Tooltip("Ray length; no hit within it gives 0.")]
        public float range = SampleSceneSpec.VisionRange;
        [Tooltip("Ray origin height above this transform (the eye).")]
        public float eyeHeight = SampleSceneSpec.EyeHeight;
        [Tooltip("Code for hits on colliders without an ObjectCode.")]
        public float defaultCode = SampleSceneSpec.CodeFloor;
        [Tooltip("Report hit distance / range instead of object codes.")]
        public bool distances;

        readonly RaycastHit[] hits = new RaycastHit[16];

        protected float Cast(Vector3 origin, Vector3 direction)
        {
            int n = Physics.RaycastNonAlloc(origin, direction, hits, range, Physics.DefaultRaycastLayers, QueryTriggerInteraction.Ignore);
            float best = float.MaxValue;
            Collider bestCollider = null;
            // Skip the agent's own colliders (the eye is inside its capsule). Not transform.root:
            // in the SampleScene every area hangs under one builder object.
            var self = Owner != null ? Owner.transform : transform;
            for (int i = 0; i < n; i++)
            {
                if (hits[i].collider.transform.IsChildOf(self)) continue; // the agent's own capsule
                if (hits[i].distance < best)
                {
                    best = hits[i].distance;
                    bestCollider = hits[i].collider;
                }
            }
            if (bestCollider == null) return distances ? 1f : SampleSceneSpec.CodeNothing;
            return distances ? best / range : ObjectCode.Of(bestCollider, defaultCode);
        }

        /// <summary>Direction for a pitch (degrees below the horizon) and a yaw offset (degrees, + = right) relative to the agent's heading.</summary>
        protected Vector3 Direction(float pitchDown, float yawOffset)
        {
            float yaw = transform.eulerAngles.y + yawOffset;
            return Quaternion.Euler(pitchDown, yaw, 0f) * Vector3.forward;
        }
    }

    /// <summary>
    /// The SampleScene's vision: a rows × cols grid of rays from the eye; row r points
    /// <c>5° + 5°·r</c> below the horizon, column c at yaw <c>-45° + 10°·c</c>; each cell is the
    /// code of the first hit (floor 50, agent 100, target 200, nothing 0). Shape [rows, cols, 1].
    /// </summary>
    [AddComponentMenu("AI4U/Sensors/Ray Cast Grid Sensor")]
    public class RayCastGridSensor : RaySensorBase
    {
        public int rows = SampleSceneSpec.VisionRows;
        public int cols = SampleSceneSpec.VisionCols;
        [Tooltip("Pitch of the top row and the step between rows (degrees below the horizon).")]
        public float firstPitch = 5f, pitchStep = 5f;
        [Tooltip("Yaw of the left column and the step between columns (degrees).")]
        public float firstYaw = -45f, yawStep = 10f;

        void Reset()
        {
            fieldName = SampleSceneSpec.VisionField;
            rangeMin = 0f;
            rangeMax = 255f;
        }

        public override int Size { get { return rows * cols; } }
        public override int[] Shape { get { return new[] { rows, cols, 1 }; } }

        public override void Read(float[] into, int offset)
        {
            var eye = transform.position + Vector3.up * eyeHeight;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    into[offset + r * cols + c] = Cast(eye, Direction(firstPitch + pitchStep * r, firstYaw + yawStep * c));
        }
    }

    /// <summary>A horizontal fan of rays (one row): codes or normalised distances. Shape [count].</summary>
    [AddComponentMenu("AI4U/Sensors/Linear Ray Cast Sensor")]
    public class LinearRayCastSensor : RaySensorBase
    {
        public int count = 9;
        [Tooltip("Total fan angle in degrees, centred on the heading.")]
        public float fov = 90f;
        [Tooltip("Degrees below the horizon.")]
        public float pitchDown = 0f;

        public override int Size { get { return count; } }

        public override void Read(float[] into, int offset)
        {
            var eye = transform.position + Vector3.up * eyeHeight;
            for (int i = 0; i < count; i++)
            {
                float yaw = count == 1 ? 0f : -fov / 2f + fov * i / (count - 1);
                into[offset + i] = Cast(eye, Direction(pitchDown, yaw));
            }
        }
    }
}
