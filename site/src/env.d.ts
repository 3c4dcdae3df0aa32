// Plain `tsc` (npm run typecheck) has no Astro language service: give .astro imports a type.
declare module '*.astro' {
  const Component: (props: Record<string, unknown>) => unknown;
  export default Component;
}
