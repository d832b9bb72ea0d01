import type { Routes } from '@angular/router';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'fleet' },
  { path: 'fleet', title: 'Fleet · Aether', loadComponent: () => import('./fleet/fleet.page') },
  { path: 'jobs', title: 'Jobs · Aether', loadComponent: () => import('./jobs/jobs.page') },
  {
    path: 'jobs/:jobId',
    title: 'Job · Aether',
    loadComponent: () => import('./job-detail/job-detail.page'),
  },
  {
    path: 'robots/:robotId',
    title: 'Robot · Aether',
    loadComponent: () => import('./robot/robot.page'),
  },
  {
    path: 'workflows',
    title: 'Workflows · Aether',
    loadComponent: () => import('./workflows/workflows.page'),
  },
  {
    path: 'dead-letters',
    title: 'Dead letters · Aether',
    loadComponent: () => import('./dead-letters/dead-letters.page'),
  },
  {
    path: 'analytics',
    title: 'Analytics · Aether',
    loadComponent: () => import('./analytics/analytics.page'),
  },
  {
    path: 'queues',
    title: 'Work queues · Aether',
    loadComponent: () => import('./queues/queues.page'),
  },
  {
    path: 'subscriptions',
    title: 'Subscriptions · Aether',
    loadComponent: () => import('./subscriptions/subscriptions.page'),
  },
  {
    path: 'schedules',
    title: 'Schedules · Aether',
    loadComponent: () => import('./schedules/schedules.page'),
  },
  {
    path: 'healing',
    title: 'Healing proposals · Aether',
    loadComponent: () => import('./healing/healing.page'),
  },
  {
    path: 'quarantine',
    title: 'Quarantine · Aether',
    loadComponent: () => import('./quarantine/quarantine.page'),
  },
  { path: 'sign-in', title: 'Sign in · Aether', loadComponent: () => import('./sign-in/sign-in.page') },
  { path: '**', redirectTo: 'fleet' },
];
