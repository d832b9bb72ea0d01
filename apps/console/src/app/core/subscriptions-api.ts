import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { Observable } from 'rxjs';
import type { SubscriptionDeliveries, SubscriptionView } from '@aether/read-api';

/** Outbound subscriptions and their deliveries (ADR 57); never their secrets. */
@Injectable({ providedIn: 'root' })
export class SubscriptionsApi {
  private readonly http = inject(HttpClient);

  list(): Observable<SubscriptionView[]> {
    return this.http.get<SubscriptionView[]>('/api/v1/subscriptions');
  }

  deliveries(subscriptionId: string): Observable<SubscriptionDeliveries> {
    return this.http.get<SubscriptionDeliveries>(
      `/api/v1/subscriptions/${encodeURIComponent(subscriptionId)}/deliveries`,
    );
  }
}
