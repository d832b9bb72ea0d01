import type { Routes } from '@angular/router';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'fleet' },
  { path: 'fleet', title: 'Fleet · Aether', loadComponent: () => import('./fleet/fleet.page') },
  { path: 'sign-in', title: 'Sign in · Aether', loadComponent: () => import('./sign-in/sign-in.page') },
  { path: '**', redirectTo: 'fleet' },
];
