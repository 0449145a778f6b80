using Ai4u.Unity;
using UnityEditor;
using UnityEditor.SceneManagement;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Ai4u.Unity.Editor
{
    /// <summary>
    /// Menu "AI4U/Create SampleScene": a new scene holding a SampleSceneBuilder, built once in
    /// edit mode as a preview. At Play the builder rebuilds it (honouring --ai4u_agents), so
    /// the saved scene only needs the builder object.
    /// </summary>
    public static class SampleSceneMenu
    {
        [MenuItem("AI4U/Create SampleScene")]
        public static void CreateSampleScene()
        {
            if (!EditorSceneManager.SaveCurrentModifiedScenesIfUserWantsTo()) return;
            var scene = EditorSceneManager.NewScene(NewSceneSetup.EmptyScene, NewSceneMode.Single);
            var go = new GameObject("SampleScene");
            var builder = go.AddComponent<SampleSceneBuilder>();
            builder.agents = 1;
            builder.Build();
            Selection.activeGameObject = go;
            EditorSceneManager.MarkSceneDirty(scene);
            Debug.Log("[ai4u] SampleScene created. Save it, run `ai4u serve --controller samplescene --ids 0`, then press Play.");
        }

        [MenuItem("AI4U/Add SampleScene Builder To Current Scene")]
        public static void AddBuilder()
        {
            var go = new GameObject("SampleScene");
            Undo.RegisterCreatedObjectUndo(go, "Add SampleScene Builder");
            go.AddComponent<SampleSceneBuilder>();
            Selection.activeGameObject = go;
            EditorSceneManager.MarkSceneDirty(SceneManager.GetActiveScene());
        }
    }
}
