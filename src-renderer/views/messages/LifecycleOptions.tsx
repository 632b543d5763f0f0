// The workspace's lifecycle stages as a select's options (the contact panel, a custom inbox's filter);
// a chosen stage the workspace no longer lists stays shown, so the select does not claim another.
export function LifecycleOptions({ chosen, stages }: { chosen: string | null | undefined; stages: readonly { id: string; name: string }[] | undefined }) {
  return (
    <>
      {chosen && !stages?.some((st) => st.name === chosen) && <option value={chosen}>{chosen}</option>}
      {stages?.map((st) => (
        <option key={st.id} value={st.name}>
          {st.name}
        </option>
      ))}
    </>
  );
}
