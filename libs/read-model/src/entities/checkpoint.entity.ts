import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last stream sequence a projection applied, written in the same transaction as its rows. */
@Entity({ name: 'projection_checkpoints' })
export class CheckpointRow {
  @PrimaryColumn({ type: 'text' }) name!: string;
  @Column({ name: 'last_sequence', type: 'bigint' }) lastSequence!: string;
  /** The `created` time of the EVENTS stream the sequence belongs to (ADR 89); null before it was recorded. */
  @Column({ name: 'stream_created', type: 'text', nullable: true }) streamCreated!: string | null;
}
