package io.switchboard.core;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The files of a folder on the classpath, whether it is a directory (tests) or inside the jar. */
public final class ClasspathFolder {

  private ClasspathFolder() {}

  /**
   * The folder's files, sorted by name, or null when the classpath has no such folder.
   *
   * @throws IOException when it exists but cannot be listed
   */
  public static List<Path> list(String folder) throws IOException {
    URL url = ClasspathFolder.class.getClassLoader().getResource(folder);
    if (url == null) {
      return null;
    }
    Path dir;
    try {
      URI uri = url.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem fs;
        try {
          fs = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
          fs = FileSystems.getFileSystem(uri);
        }
        dir = fs.getPath(folder);
      } else {
        dir = Path.of(uri);
      }
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }
}
