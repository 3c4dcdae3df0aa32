import fp from 'fastify-plugin';
import { SqliteNotebook, type NotebookRepository } from '../store/notebook.ts';

declare module 'fastify' {
  interface FastifyInstance {
    notebook: NotebookRepository;
  }
}

/** The learners' notebooks, in the store's database (a repository of its own, so another database can follow). */
export default fp(
  async function notebookPlugin(app) {
    app.decorate('notebook', new SqliteNotebook(app.store));
  },
  { name: 'kubelab-notebook', fastify: '5.x', dependencies: ['kubelab-store'] },
);
