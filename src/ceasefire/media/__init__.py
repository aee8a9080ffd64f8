"""Reading media files: the only home of Pillow and imagehash."""
