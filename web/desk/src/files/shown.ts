/** A file as files/FileCards.vue shows it: each caller says where its files are read from. */
export interface ShownFile {
  key: string | number;
  filename: string;
  content_type: string;
  size: number;
  width?: number | null;
  height?: number | null;
  /** The image, shown in the browser; null for a file that is not an image. */
  open: string | null;
  /** Its thumbnail; null when it has none (not an image, or stored before thumbnails). */
  thumbnail: string | null;
  download: string;
}
