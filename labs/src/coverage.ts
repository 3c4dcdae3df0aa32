/** One `## <lesson slug>` section of labs/COVERAGE.md: each concept, and the exercises that teach it. */
export interface CoverageSection {
  lesson: string;
  rows: { concept: string; exercises: string[] }[];
}

/**
 * Reads labs/COVERAGE.md: `## <slug>` headings, each followed by a two-column table (concept | exercise ids,
 * comma-separated). The header row and the `---` row of each table are skipped; prose between sections is ignored.
 */
export function parseCoverage(markdown: string): CoverageSection[] {
  const sections: CoverageSection[] = [];
  markdown.split('\n').forEach((line, index) => {
    const heading = /^##\s+(\S+)\s*$/.exec(line);
    if (heading) {
      sections.push({ lesson: heading[1]!, rows: [] });
      return;
    }
    if (!line.trim().startsWith('|')) return;
    const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());
    if (cells[0] === 'Concept' || cells.every((cell) => /^:?-+:?$/.test(cell))) return;
    const section = sections.at(-1);
    if (!section) throw new Error(`COVERAGE.md line ${index + 1}: a table row before any "## <lesson>" heading`);
    section.rows.push({ concept: cells[0] ?? '', exercises: (cells[1] ?? '').split(',').map((id) => id.trim()).filter(Boolean) });
  });
  return sections;
}

/**
 * A new lesson's section of labs/COVERAGE.md, with one row for its first exercise: what `npx kubelab new lesson`
 * appends, so the coverage test holds from the start and the author only rewrites the concept.
 */
export function coverageSection(lesson: string, exercise: string): string {
  return `## ${lesson}\n\n| Concept | Exercises |\n| --- | --- |\n| TODO what ${exercise} makes a learner do | ${exercise} |\n`;
}
