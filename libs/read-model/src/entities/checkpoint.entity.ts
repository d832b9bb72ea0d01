import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The last stream sequence a projection applied, written in the same transaction as its rows. */
@Entity({ name: 'projection_checkpoints' })
export class CheckpointRow {
  @PrimaryColumn({ type: 'text' }) name!: string;
  @Column({ name: 'last_sequence', type: 'bigint' }) lastSequence!: string;
}
