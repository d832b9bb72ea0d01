import { Pipe, type PipeTransform } from '@angular/core';
import { shortJobId } from './job-id';

/** `{{ job.jobId | jobId }}`: the id as a table shows it (the whole one belongs in a title). */
@Pipe({ name: 'jobId' })
export class JobIdPipe implements PipeTransform {
  transform(jobId: string): string {
    return shortJobId(jobId);
  }
}
