; Inno Setup 6 script: Workbench-Setup.exe from the PyInstaller folder build\pyinstaller-cpu\dist\Workbench
; (made by packaging\workbench.spec). Start menu entry, optional desktop icon, .wbproj files open in Workbench,
; an uninstaller in Settings > Apps. Built by .github/workflows/release.yml on windows-latest:
;   iscc /DAppVersion=0.1.0 packaging\windows\workbench.iss
; UNTESTED here (written from Inno Setup's documentation; no Windows machine was available).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Workbench"
#define AppExe "Workbench.exe"
#define ProgId "Workbench.Project"

[Setup]
; The AppId identifies the installation for upgrades and the uninstaller: never change it.
AppId={{6C0F4A0E-3D55-4C1B-9C53-0B1F2E8A7D41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Workbench developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Install for everyone (administrator) or, when the user chooses so, for the current user only.
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=Workbench-Setup
SetupIconFile=resources\icons\workbench.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "build\pyinstaller-cpu\dist\Workbench\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Design, train, compress and export neural networks"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .wbproj -> Workbench.Project, opened with "Workbench.exe" "%1"; removed again by the uninstaller.
Root: HKA; Subkey: "Software\Classes\.wbproj\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "Workbench project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".wbproj"; ValueData: ""; Flags: uninsdeletekey

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; files the app may have written beside itself (none are expected; the user's projects live elsewhere)
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
